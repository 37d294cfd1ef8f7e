//! A tenant's connection to its Cal.com account: the API key calbridge
//! calls Cal.com with and the secrets Cal.com signs webhooks with. Both are
//! [`SecretString`]s, so Debug output and logs show `[REDACTED]`.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::error::DomainError;

/// One Cal.com connection of a tenant, identified by its label.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Unique per tenant, e.g. `default` or `clinic-berlin`.
    pub label: String,
    /// The Cal.com API key (`cal_live_…`).
    pub api_key: SecretString,
    /// Secrets webhook signatures may be made with; several during a
    /// secret rotation.
    pub webhook_secrets: Vec<SecretString>,
    /// When it was first stored (kept by later saves).
    pub created_at: DateTime<Utc>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

impl Connection {
    /// Longest label.
    pub const MAX_LABEL_CHARS: usize = 100;
    /// Most webhook secrets one connection keeps.
    pub const MAX_WEBHOOK_SECRETS: usize = 10;

    /// A connection without webhook secrets.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for a bad label or an empty API key.
    pub fn new(
        label: impl Into<String>,
        api_key: SecretString,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let label = label.into();
        Self::check_label(&label)?;
        if secrecy::ExposeSecret::expose_secret(&api_key).is_empty() {
            return Err(DomainError::invalid("apiKey", "must not be empty"));
        }
        Ok(Self {
            label,
            api_key,
            webhook_secrets: Vec::new(),
            created_at: now,
            updated_at: now,
        })
    }

    /// Adds a webhook secret (newest last).
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for an empty secret or one too many.
    pub fn with_webhook_secret(mut self, secret: SecretString) -> Result<Self, DomainError> {
        if secrecy::ExposeSecret::expose_secret(&secret).is_empty() {
            return Err(DomainError::invalid("webhookSecret", "must not be empty"));
        }
        if self.webhook_secrets.len() >= Self::MAX_WEBHOOK_SECRETS {
            return Err(DomainError::invalid(
                "webhookSecrets",
                format!("at most {}", Self::MAX_WEBHOOK_SECRETS),
            ));
        }
        self.webhook_secrets.push(secret);
        Ok(self)
    }

    /// Checks a label: 1-100 characters, no control characters.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] otherwise.
    pub fn check_label(label: &str) -> Result<(), DomainError> {
        let count = label.chars().count();
        if count == 0 || count > Self::MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "label",
                format!(
                    "must be 1-{} characters without control characters",
                    Self::MAX_LABEL_CHARS
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = Connection::new("default", SecretString::from("cal_live_abc123"), Utc::now())
            .unwrap()
            .with_webhook_secret(SecretString::from("whsec-xyz789"))
            .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("abc123") && !shown.contains("xyz789"),
            "{shown}"
        );
    }

    #[test]
    fn labels_and_secrets_are_checked() {
        let key = || SecretString::from("k");
        assert!(Connection::new("", key(), Utc::now()).is_err());
        assert!(Connection::new("a\nb", key(), Utc::now()).is_err());
        assert!(Connection::new("x".repeat(101), key(), Utc::now()).is_err());
        assert!(Connection::new("ok", SecretString::from(""), Utc::now()).is_err());
        let mut c = Connection::new("ok", key(), Utc::now()).unwrap();
        assert!(
            c.clone()
                .with_webhook_secret(SecretString::from(""))
                .is_err()
        );
        for _ in 0..Connection::MAX_WEBHOOK_SECRETS {
            c = c.with_webhook_secret(key()).unwrap();
        }
        assert!(c.with_webhook_secret(key()).is_err());
    }
}
