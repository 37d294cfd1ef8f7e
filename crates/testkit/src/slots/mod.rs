//! Free slots: working hours ([`schedule`]), the slot engine ([`engine`]),
//! the `GET /v2/slots` query ([`query`]) and its response ([`output`]).

pub(crate) mod engine;
pub(crate) mod output;
pub(crate) mod query;
pub(crate) mod schedule;

#[cfg(test)]
mod properties;
