//! Masks what identifies an attendee before it reaches a log line or the
//! last-request debug record: email addresses, phone numbers and free-text
//! notes, in URLs (query values), JSON bodies (by field name) and plain
//! text (by shape).

use reqwest::Url;
use serde_json::Value;

/// What replaces a masked value.
const MASK: &str = "[redacted]";

/// Query parameters whose values identify a person or carry the key
/// (`apiKey` is v1's authentication).
const SENSITIVE_QUERY: [&str; 5] = [
    "apikey",
    "attendeeemail",
    "attendeename",
    "email",
    "username",
];

/// JSON fields (lowercased) whose values are personal data or secrets.
const SENSITIVE_FIELDS: [&str; 14] = [
    "email",
    "attendeeemail",
    "displayemail",
    "phonenumber",
    "phone",
    "attendeephonenumber",
    "smsremindernumber",
    "notes",
    "additionalnotes",
    "guests",
    "secret",
    "apikey",
    "cancelledbyemail",
    "rescheduledbyemail",
];

/// `url` as text, with sensitive query values masked.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let masked = SENSITIVE_QUERY.contains(&k.to_ascii_lowercase().as_str());
                (
                    k.into_owned(),
                    if masked {
                        MASK.to_owned()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// `body` with sensitive fields masked at any depth.
pub(crate) fn redact_body(body: &Value) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let masked =
                        SENSITIVE_FIELDS.contains(&k.to_ascii_lowercase().as_str()) && !v.is_null();
                    let v = if masked {
                        Value::String(MASK.to_owned())
                    } else {
                        redact_body(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_body).collect()),
        Value::String(s) => Value::String(mask_contact_details(s)),
        other => other.clone(),
    }
}

/// `text` with anything shaped like an email address or a phone number
/// masked; used on upstream messages before they are logged.
pub(crate) fn mask_contact_details(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(if looks_personal(word) { MASK } else { word });
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '(' | ')' | '<' | '>') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// An email (`x@y.z`) or a phone number (7+ digits, optional `+`, dashes,
/// dots or slashes between).
fn looks_personal(word: &str) -> bool {
    let trimmed = word.trim_end_matches(['.', ':', '!', '?']);
    if let Some((local, domain)) = trimmed.split_once('@') {
        return !local.is_empty() && domain.contains('.');
    }
    let digits = trimmed.chars().filter(char::is_ascii_digit).count();
    let phone_chars = trimmed
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, '-' | '.' | '/') || (i == 0 && c == '+'));
    // ISO dates and times have separators but never 7+ digits with `+`;
    // plain 7+ digit runs are treated as phone numbers to be safe.
    phone_chars && digits >= 7 && !looks_like_date(trimmed)
}

/// `2050-09-05` or `2050-09-05T...` style values are not phone numbers.
fn looks_like_date(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn query_values_of_people_and_keys_are_masked() {
        let url = Url::parse(
            "https://api.cal.com/v2/bookings?attendeeEmail=ann%40example.com&take=10&apiKey=cal_x",
        )
        .unwrap();
        let shown = redact_url(&url);
        assert!(!shown.contains("ann"), "{shown}");
        assert!(!shown.contains("cal_x"), "{shown}");
        assert!(shown.contains("take=10"), "{shown}");
        let plain = Url::parse("https://api.cal.com/v2/me").unwrap();
        assert_eq!(redact_url(&plain), "https://api.cal.com/v2/me");
    }

    #[test]
    fn bodies_lose_emails_phones_and_notes_at_any_depth() {
        let body = json!({
            "start": "2050-09-05T07:00:00.000Z",
            "attendee": {"name": "Ann", "email": "ann@example.com", "phoneNumber": "+4912345678"},
            "bookingFieldsResponses": {"notes": "allergic to penicillin"},
            "guests": ["bob@example.com"],
            "metadata": {"correlationId": "c-1", "free": "call me on +49 170 1234567 or x@y.de"}
        });
        let shown = redact_body(&body).to_string();
        for leaked in [
            "ann@example.com",
            "+4912345678",
            "penicillin",
            "bob@",
            "x@y.de",
        ] {
            assert!(!shown.contains(leaked), "{leaked} in {shown}");
        }
        assert!(shown.contains("2050-09-05T07:00:00.000Z"), "{shown}");
        assert!(shown.contains("c-1"), "{shown}");
    }

    #[test]
    fn messages_keep_their_words_but_not_contact_details() {
        assert_eq!(
            mask_contact_details("email ann@example.com is invalid, call +49-170-1234567."),
            "email [redacted] is invalid, call [redacted]"
        );
        assert_eq!(
            mask_contact_details("slot 2050-09-05T07:00:00Z taken by 42 users"),
            "slot 2050-09-05T07:00:00Z taken by 42 users"
        );
    }
}
