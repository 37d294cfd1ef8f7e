//! How values look on Cal.com's wire: UTC timestamps with milliseconds and a
//! `Z` (what Cal.com itself emits), and `null` read as "absent".

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// `2050-09-05T09:00:00.000Z`: the ISO UTC form Cal.com documents for inputs.
pub(crate) fn utc_iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde adapter for [`utc_iso`].
pub(crate) fn serialize_utc_iso<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&utc_iso(t))
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
