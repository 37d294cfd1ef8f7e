//! class-validator, as Cal.com's NestJS code uses it.
//!
//! Two shapes reach clients: the global `ValidationPipe` throws
//! `BadRequestException({ errors })` (message "Bad Request Exception",
//! `details.errors` = the `ValidationError` objects), while the custom input
//! pipes of bookings and slots flatten the errors into one message string
//! ("start property is wrong,start must be a valid ISO 8601 date string ").

use serde::Serialize;
use serde_json::{Map, Value};

/// One class-validator `ValidationError`, serialised as Nest sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ValidationError {
    /// The whole validated object (`validationError.target: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target: Option<Value>,
    /// The offending value; absent when it was `undefined`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<Value>,
    /// The property name.
    pub(crate) property: String,
    /// Errors of nested objects.
    pub(crate) children: Vec<ValidationError>,
    /// Failed constraint name → message.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub(crate) constraints: Map<String, Value>,
}

impl ValidationError {
    /// An error on `property` whose value was `value` (`None` = undefined).
    pub(crate) fn new(property: impl Into<String>, value: Option<&Value>) -> Self {
        Self {
            target: None,
            value: value.cloned(),
            property: property.into(),
            children: Vec::new(),
            constraints: Map::new(),
        }
    }

    /// The error `forbidNonWhitelisted` raises for an unknown property.
    pub(crate) fn not_whitelisted(property: &str, value: &Value) -> Self {
        Self::new(property, Some(value)).constraint(
            "whitelistValidation",
            format!("property {property} should not exist"),
        )
    }

    /// Adds a failed constraint.
    pub(crate) fn constraint(mut self, name: &str, message: impl Into<String>) -> Self {
        self.constraints
            .insert(name.to_owned(), Value::String(message.into()));
        self
    }

    /// Adds errors of a nested object.
    pub(crate) fn with_children(mut self, children: Vec<ValidationError>) -> Self {
        self.children = children;
        self
    }

    /// Sets the validated object on this error and its children.
    pub(crate) fn with_target(mut self, target: &Value) -> Self {
        self.target = Some(target.clone());
        self
    }

    /// True when nothing failed (no constraints and no failing children).
    pub(crate) fn is_empty(&self) -> bool {
        self.constraints.is_empty() && self.children.is_empty()
    }
}

/// The one-string message of Cal.com's custom input pipes (`formatErrors`).
pub(crate) fn pipe_message(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(|err| {
            let constraints = err
                .constraints
                .values()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let children = if err.children.is_empty() {
                String::new()
            } else {
                pipe_message(&err.children)
            };
            format!(
                "{} property is wrong,{constraints} {children}",
                err.property
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// class-validator `isEmail` in spirit: one `@`, a non-empty local part, a
/// dotted domain of letters/digits/hyphens, no whitespace.
pub(crate) fn is_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()))
}

/// `libphonenumber-js` `isValidPhoneNumber`, approximated: international
/// format, `+` then 8–15 digits (spaces, dashes, dots, parentheses allowed).
pub(crate) fn is_phone_number(s: &str) -> bool {
    let Some(rest) = s.trim().strip_prefix('+') else {
        return false;
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return false;
    }
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    (8..=15).contains(&digits) && !rest.starts_with('0')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pipe_message_matches_calcoms_format_errors() {
        let errors = vec![
            ValidationError::new("start", None)
                .constraint("isDateString", "start must be a valid ISO 8601 date string"),
            ValidationError::new("attendee", Some(&json!({}))).with_children(vec![
                ValidationError::new("name", None).constraint("isString", "name must be a string"),
            ]),
        ];
        assert_eq!(
            pipe_message(&errors),
            "start property is wrong,start must be a valid ISO 8601 date string , \
             attendee property is wrong, name property is wrong,name must be a string "
        );
    }

    #[test]
    fn validation_error_serialises_like_class_validator() {
        let e = ValidationError::new("take", Some(&json!(500)))
            .constraint("max", "take must not be greater than 250")
            .with_target(&json!({"take": "500"}));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"target": {"take": "500"}, "value": 500, "property": "take", "children": [],
                   "constraints": {"max": "take must not be greater than 250"}})
        );
        assert!(!e.is_empty());
        assert!(ValidationError::new("x", None).is_empty());
    }

    #[test]
    fn email_and_phone_checks() {
        for ok in ["ann@example.com", "a.b+c@sub.example.co", "x@bücher.de"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "a@b",
            "a b@c.de",
            "a@@b.de",
            "a@b.c",
            "a@-b.de",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_phone_number("+491701234567"));
        assert!(is_phone_number("+1 (415) 555-0100"));
        assert!(!is_phone_number("0170 1234567"));
        assert!(!is_phone_number("+12"));
        assert!(!is_phone_number("+49abc1234567"));
    }
}
