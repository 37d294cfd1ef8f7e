//! Keeping secrets and personal data out of errors, logs and debug output:
//! the API key (wherever Cal.com might echo it), and attendee emails,
//! phone numbers and notes (in logged URLs, bodies and messages).

mod api_key;
mod personal_data;

pub(crate) use api_key::Redactor;
pub(crate) use personal_data::{mask_contact_details, redact_body, redact_url};
