//! Cal.com is a Node service: its dates come from JS `Date`/luxon and its
//! query numbers from `parseInt`. These helpers reproduce those quirks so
//! clients see byte-for-byte what the real API sends.

pub(crate) mod date;
pub(crate) mod number;
