//! `/v2/teams/**`.

use reqwest::Method;

use crate::client::request::Call;
use crate::client::{CalcomClient, decode};
use crate::dto::TeamDto;
use crate::error::CalcomError;
use crate::operation::Operation;

impl CalcomClient {
    /// `GET /v2/teams`: the teams the key owner belongs to.
    ///
    /// # Errors
    /// Any [`CalcomError`].
    pub async fn list_teams(&self) -> Result<Vec<TeamDto>, CalcomError> {
        let call = Call::v2(Operation::Teams, Method::GET, &["teams"]);
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `GET /v2/teams/{teamId}`.
    ///
    /// # Errors
    /// `NotFound` (team) for an unknown id; any other [`CalcomError`].
    pub async fn get_team(&self, team_id: u64) -> Result<TeamDto, CalcomError> {
        let id = team_id.to_string();
        let call = Call::v2(Operation::GetTeam, Method::GET, &["teams", &id]).subject(id.as_str());
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }
}
