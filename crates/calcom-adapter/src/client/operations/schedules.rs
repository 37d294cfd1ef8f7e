//! `/v2/schedules/**` (v1: `/v1/schedules/**`).

use reqwest::Method;

use crate::client::request::{Api, Call};
use crate::client::{CalcomClient, decode};
use crate::dto::ScheduleDto;
use crate::error::CalcomError;
use crate::operation::Operation;
use crate::v1;

impl CalcomClient {
    /// `GET /v2/schedules`: the key owner's availability schedules.
    ///
    /// # Errors
    /// Any [`CalcomError`].
    pub async fn list_schedules(&self) -> Result<Vec<ScheduleDto>, CalcomError> {
        let v2 = Call::v2(Operation::Schedules, Method::GET, &["schedules"]);
        let v1 = Call::v1(Operation::Schedules, Method::GET, &["schedules"]);
        let r = &self.inner.redactor;
        match self.execute_v2_or_v1(&v2, &v1).await? {
            (Api::V2, answer) => decode::data(&answer.body, r),
            (Api::V1, answer) => decode::v1(&answer.body, r, v1::schedules_from_v1),
        }
    }

    /// `GET /v2/schedules/default`; `None` when the owner has none (v2 only).
    ///
    /// # Errors
    /// Any [`CalcomError`].
    pub async fn default_schedule(&self) -> Result<Option<ScheduleDto>, CalcomError> {
        let call = Call::v2(
            Operation::DefaultSchedule,
            Method::GET,
            &["schedules", "default"],
        );
        let answer = self.execute(&call).await?;
        decode::optional_data(&answer.body, &self.inner.redactor)
    }

    /// `GET /v2/schedules/{id}`.
    ///
    /// # Errors
    /// `NotFound` (schedule) for an unknown id; any other [`CalcomError`].
    pub async fn get_schedule(&self, id: u64) -> Result<ScheduleDto, CalcomError> {
        let id = id.to_string();
        let v2 =
            Call::v2(Operation::GetSchedule, Method::GET, &["schedules", &id]).subject(id.as_str());
        let v1 =
            Call::v1(Operation::GetSchedule, Method::GET, &["schedules", &id]).subject(id.as_str());
        let r = &self.inner.redactor;
        match self.execute_v2_or_v1(&v2, &v1).await? {
            (Api::V2, answer) => decode::data(&answer.body, r),
            (Api::V1, answer) => decode::v1(&answer.body, r, v1::schedule_from_v1),
        }
    }
}
