//! `/v2/event-types/**` (v1: `/v1/event-types/**`) and team event types.

use reqwest::Method;

use crate::client::request::{Api, Call};
use crate::client::{CalcomClient, check_segment, decode};
use crate::dto::{EventTypeDto, EventTypesQuery, TeamEventTypesQuery};
use crate::error::CalcomError;
use crate::operation::Operation;
use crate::v1;

impl CalcomClient {
    /// `GET /v2/event-types`: the key owner's event types.
    ///
    /// # Errors
    /// Any [`CalcomError`].
    pub async fn event_types(&self) -> Result<Vec<EventTypeDto>, CalcomError> {
        self.list_event_types(&EventTypesQuery::default()).await
    }

    /// `GET /v2/event-types` with filters (a user's, a group's, an
    /// organization's). v1 can stand in only for the owner's list or a slug.
    ///
    /// # Errors
    /// Any [`CalcomError`].
    pub async fn list_event_types(
        &self,
        q: &EventTypesQuery,
    ) -> Result<Vec<EventTypeDto>, CalcomError> {
        let v2 =
            Call::v2(Operation::EventTypes, Method::GET, &["event-types"]).query(q.query_pairs());
        let r = &self.inner.redactor;
        let v1_can = q.username.is_none()
            && q.usernames.is_empty()
            && q.org_slug.is_none()
            && q.org_id.is_none();
        if !v1_can {
            let answer = self.execute(&v2).await?;
            return decode::data(&answer.body, r);
        }
        let v1_query = q.event_slug.iter().map(|s| ("slug", s.clone())).collect();
        let v1 = Call::v1(Operation::EventTypes, Method::GET, &["event-types"]).query(v1_query);
        match self.execute_v2_or_v1(&v2, &v1).await? {
            (Api::V2, answer) => decode::data(&answer.body, r),
            (Api::V1, answer) => decode::v1(&answer.body, r, v1::event_types_from_v1),
        }
    }

    /// `GET /v2/event-types/{id}` (personal or team event type).
    ///
    /// # Errors
    /// `NotFound` (event type) for an unknown id; any other [`CalcomError`].
    pub async fn get_event_type(&self, id: u64) -> Result<EventTypeDto, CalcomError> {
        let id = id.to_string();
        let v2 = Call::v2(Operation::GetEventType, Method::GET, &["event-types", &id])
            .subject(id.as_str());
        let v1 = Call::v1(Operation::GetEventType, Method::GET, &["event-types", &id])
            .subject(id.as_str());
        let r = &self.inner.redactor;
        match self.execute_v2_or_v1(&v2, &v1).await? {
            (Api::V2, answer) => decode::data(&answer.body, r),
            (Api::V1, answer) => decode::v1(&answer.body, r, v1::event_type_from_v1),
        }
    }

    /// `GET /v2/teams/{teamId}/event-types`.
    ///
    /// # Errors
    /// `NotFound` (team) for an unknown team; any other [`CalcomError`].
    pub async fn list_team_event_types(
        &self,
        team_id: u64,
        q: &TeamEventTypesQuery,
    ) -> Result<Vec<EventTypeDto>, CalcomError> {
        let team = team_id.to_string();
        let call = Call::v2(
            Operation::TeamEventTypes,
            Method::GET,
            &["teams", &team, "event-types"],
        )
        .query(q.query_pairs())
        .subject(team.as_str());
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `GET /v2/teams/{teamId}/event-types/{id}`.
    ///
    /// # Errors
    /// `NotFound` (event type) for an unknown id; any other [`CalcomError`].
    pub async fn get_team_event_type(
        &self,
        team_id: u64,
        id: u64,
    ) -> Result<EventTypeDto, CalcomError> {
        let (team, id) = (team_id.to_string(), id.to_string());
        let call = Call::v2(
            Operation::GetTeamEventType,
            Method::GET,
            &["teams", check_segment("teamId", &team)?, "event-types", &id],
        )
        .subject(id.as_str());
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }
}
