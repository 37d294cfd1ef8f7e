//! `GET /v2/me`: the account the API key belongs to.

use serde::{Deserialize, Serialize};

use crate::dto::wire_format::null_as_default;

/// Cal.com's `MeOutput`, the fields calbridge uses or may show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeDto {
    /// Cal.com user id.
    pub id: u64,
    /// Cal.com username.
    #[serde(default, deserialize_with = "null_as_default")]
    pub username: String,
    /// Account email.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// IANA time zone of the account.
    #[serde(default, deserialize_with = "null_as_default")]
    pub time_zone: String,
    /// 12 or 24.
    #[serde(default)]
    pub time_format: Option<u32>,
    /// Default availability schedule.
    #[serde(default)]
    pub default_schedule_id: Option<u64>,
    /// First day of the week ("Monday").
    #[serde(default)]
    pub week_start: Option<String>,
    /// Organization the user belongs to, if any.
    #[serde(default)]
    pub organization_id: Option<u64>,
}
