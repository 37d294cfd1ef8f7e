//! Which tenant a request acts for, and which calendar that tenant books on.

mod current_tenant;
mod static_directory;

pub use current_tenant::CurrentTenant;
pub use static_directory::StaticCalendarDirectory;
