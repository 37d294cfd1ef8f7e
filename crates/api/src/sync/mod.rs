//! Keeping the local bookings cache equal to Cal.com: webhooks are hints
//! (each one makes us fetch the booking it names), and polling is the
//! truth: a full sync walks every page, and a leased incremental poller
//! asks for what changed since the last successful run.

mod booking_refresh;
mod poller;
mod run;
pub mod sync_command;
mod webhook_payload;

pub use booking_refresh::refresh_booking;
pub use poller::spawn_poller;
pub use run::{SyncMode, SyncReport, sync_tenant};
pub use webhook_payload::{
    HANDLED_TRIGGERS, SUPPORTED_VERSION, TriggerKind, WebhookPayload, parse_payload,
};
