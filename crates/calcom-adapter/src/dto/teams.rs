//! `/v2/teams/**` (no version header).

use serde::{Deserialize, Serialize};

use crate::dto::wire_format::null_as_default;

/// Cal.com's `TeamOutputDto`, the fields a booking integration needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamDto {
    /// Cal.com id.
    pub id: u64,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// URL slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// Whether this "team" is an organization.
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_organization: bool,
    /// The organization it belongs to.
    #[serde(default)]
    pub parent_id: Option<u64>,
    /// Private teams hide their members.
    #[serde(default)]
    pub is_private: Option<bool>,
    /// IANA zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// First day of the week.
    #[serde(default)]
    pub week_start: Option<String>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes_with_nulls_and_extras() {
        let t: TeamDto = serde_json::from_value(json!({
            "id": 4, "name": null, "isOrganization": false, "slug": "care",
            "logoUrl": null, "theme": "dark"
        }))
        .unwrap();
        assert_eq!(
            (t.id, t.name.as_str(), t.slug.as_deref()),
            (4, "", Some("care"))
        );
    }
}
