//! Encryption of secrets at rest (Cal.com API keys, webhook secrets):
//! AES-256-GCM under a versioned master key ring. A sealed value is
//! `key_version (4 bytes, big-endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`,
//! with the tenant id as associated data, so a row copied to another
//! tenant fails to open.

mod keyring;
mod master_key;

pub use keyring::Keyring;
pub use master_key::MasterKey;
