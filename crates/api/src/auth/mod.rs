//! Who may call calbridge: bearer tokens that name a tenant (stored as
//! SHA-256 hashes, compared in constant time), and the Cal.com webhook
//! signature check (HMAC-SHA256 over the raw body, constant time).

mod api_token;
pub mod demo_token_route;
mod token_cache;
mod webhook_signature;

pub use api_token::{IssuedToken, authenticate, authenticate_cached, issue_token};
pub use token_cache::{TOKEN_CACHE_TTL, TokenCache};
pub use webhook_signature::{SignatureCheck, verify_signature};
