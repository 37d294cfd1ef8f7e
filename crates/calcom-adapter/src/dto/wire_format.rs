//! How values look on Cal.com's wire: UTC timestamps with milliseconds and a
//! `Z` (what Cal.com itself emits), and `null` read as "absent".

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// `2050-09-05T09:00:00.000Z`: the ISO UTC form Cal.com documents for inputs.
pub(crate) fn utc_iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde adapter for [`utc_iso`].
pub(crate) fn serialize_utc_iso<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&utc_iso(t))
}

/// Reads a time with its offset: the strict RFC 3339 parser first (five
/// times faster than chrono's general one, and what Cal.com sends), the
/// general one for anything else.
pub(crate) fn offset_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<DateTime<FixedOffset>, D::Error> {
    d.deserialize_str(OffsetTimeVisitor)
}

/// [`offset_time`] for an optional field (`null` or missing: `None`).
pub(crate) fn opt_offset_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    struct Opt;
    impl<'de> serde::de::Visitor<'de> for Opt {
        type Value = Option<DateTime<FixedOffset>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 time or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            offset_time(d).map(Some)
        }
    }
    d.deserialize_option(Opt)
}

/// Parses a string without copying it first.
struct OffsetTimeVisitor;

impl serde::de::Visitor<'_> for OffsetTimeVisitor {
    type Value = DateTime<FixedOffset>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an RFC 3339 time")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        parse_offset_time(s).map_err(E::custom)
    }
}

fn parse_offset_time(s: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).or_else(|_| s.parse())
}

/// Reads a field that may be missing *or* `null` as its default; Cal.com's
/// JavaScript emits `null` for many documented-as-present fields.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Declares a Cal.com string enum that keeps values it does not know in an
/// `Unknown(String)` variant, so a new value from Cal.com cannot make a
/// whole answer undecodable. Reads any letter case; writes the exact
/// Cal.com spelling.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Reads the wire spelling (any case).
            pub fn from_wire(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($wire) { return $name::$variant; } )+
                $name::Unknown(s.to_owned())
            }

            /// The wire spelling (unknown values as received).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from_wire(&s))
            }
        }
    };
}
pub(crate) use open_enum;

/// Reads an id Cal.com documents as a number but may send as a string (or
/// the reverse, e.g. webhook ids are UUID strings), as text.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!(
            "expected a string or number id, got {other}"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn timestamps_are_utc_with_millis() {
        let t = Utc.with_ymd_and_hms(2050, 9, 5, 9, 0, 0).unwrap();
        assert_eq!(utc_iso(&t), "2050-09-05T09:00:00.000Z");
    }

    #[test]
    fn offset_times_parse_strictly_or_generally() {
        #[derive(Deserialize)]
        struct S {
            #[serde(deserialize_with = "offset_time")]
            t: DateTime<FixedOffset>,
            #[serde(default, deserialize_with = "opt_offset_time")]
            u: Option<DateTime<FixedOffset>>,
        }
        let s: S =
            serde_json::from_str(r#"{"t":"2050-09-05T09:00:00.000+02:00","u":null}"#).unwrap();
        assert_eq!(
            s.t.to_utc(),
            Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap()
        );
        assert_eq!(s.u, None);
        // chrono's general form (space instead of `T`) still works.
        let s: S =
            serde_json::from_str(r#"{"t":"2050-09-05 09:00:00+02:00","u":"2050-09-05T09:00:00Z"}"#)
                .unwrap();
        assert_eq!(
            s.t.to_utc(),
            Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap()
        );
        assert!(s.u.is_some());
        assert!(serde_json::from_str::<S>(r#"{"t":"soon"}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"t":5}"#).is_err());
    }

    #[test]
    fn null_and_missing_become_default() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "null_as_default")]
            v: Vec<u32>,
        }
        assert!(
            serde_json::from_str::<S>(r#"{"v":null}"#)
                .unwrap()
                .v
                .is_empty()
        );
        assert!(serde_json::from_str::<S>("{}").unwrap().v.is_empty());
        assert_eq!(
            serde_json::from_str::<S>(r#"{"v":[1]}"#).unwrap().v,
            vec![1]
        );
    }
}
