//! Which tenant a request acts for (its bearer token), and which calendar
//! that tenant books on (its stored Cal.com connection).

pub mod bootstrap;
mod connection_directory;
mod current_tenant;
mod static_directory;
pub mod tenant_command;

pub use connection_directory::{ConnectionDirectory, DEFAULT_CONNECTION};
pub use current_tenant::CurrentTenant;
pub use static_directory::StaticCalendarDirectory;
