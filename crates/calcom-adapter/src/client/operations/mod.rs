//! The typed Cal.com operations: one method per endpoint, each a thin
//! description of the request (and its v1 stand-in, where v1 has one)
//! handed to the pipeline, and the decoding of the answer.

mod bookings;
mod event_types;
mod me;
mod reservations;
mod schedules;
mod slots;
mod teams;
mod webhooks;
