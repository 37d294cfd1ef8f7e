//! Who may call calbridge: bearer tokens that name a tenant (stored as
//! SHA-256 hashes, compared in constant time), and the Cal.com webhook
//! signature check (HMAC-SHA256 over the raw body, constant time).

mod api_token;
pub mod demo_token_route;
mod webhook_signature;

pub use api_token::{IssuedToken, authenticate, issue_token};
pub use webhook_signature::{SignatureCheck, verify_signature};
