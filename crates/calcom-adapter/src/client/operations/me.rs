//! `GET /v2/me` (v1: `GET /v1/me`).

use reqwest::Method;

use crate::client::request::{Api, Call};
use crate::client::{CalcomClient, decode};
use crate::dto::MeDto;
use crate::error::CalcomError;
use crate::operation::Operation;
use crate::v1;

impl CalcomClient {
    /// `GET /v2/me`: who the key belongs to; doubles as a credentials check.
    ///
    /// # Errors
    /// Any [`CalcomError`]; `Unauthorized` for a bad key.
    pub async fn me(&self) -> Result<MeDto, CalcomError> {
        let v2 = Call::v2(Operation::Me, Method::GET, &["me"]);
        let v1 = Call::v1(Operation::Me, Method::GET, &["me"]);
        let r = &self.inner.redactor;
        match self.execute_v2_or_v1(&v2, &v1).await? {
            (Api::V2, answer) => decode::data(&answer.body, r),
            (Api::V1, answer) => decode::v1(&answer.body, r, v1::me_from_v1),
        }
    }
}
