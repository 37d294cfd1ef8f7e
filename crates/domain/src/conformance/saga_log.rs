//! Conformance suite for [`SagaLog`]: durable steps, leases that fence out
//! a previous owner, and claims that honour due times, kinds and limits.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule. Every check uses its own saga kind, so
//! claims never pick up another run's sagas in a shared database. Time is
//! passed explicitly.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::support::{at, err, fresh_tenant, ok, some};
use crate::error::DomainError;
use crate::ids::TenantId;
use crate::models::{LeasedSaga, NewSaga, SagaId, SagaLease, SagaStatus, SagaStep, StepStatus};
use crate::ports::SagaLog;

const SUITE: &str = "saga log";
const LEASE: Duration = Duration::from_secs(60);

/// Runs every check, one after another.
pub async fn run_all(log: &dyn SagaLog) {
    start_then_get_round_trips(log).await;
    steps_are_kept_in_order_and_replaced_in_place(log).await;
    leased_sagas_are_not_claimed_until_the_lease_ends(log).await;
    a_new_claim_fences_out_the_old_lease(log).await;
    released_sagas_come_back_when_due(log).await;
    claims_respect_kind_limit_and_order(log).await;
    terminal_sagas_are_never_claimed(log).await;
    compensating_sagas_are_claimed(log).await;
    renew_extends_the_lease(log).await;
    unknown_sagas_are_not_found(log).await;
    duplicate_ids_conflict(log).await;
}

fn now() -> DateTime<Utc> {
    at(-24 * 60)
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

/// A kind no other check or run uses.
fn fresh_kind() -> String {
    format!("conformance-{}", Uuid::new_v4().simple())
}

fn new_saga(kind: &str) -> NewSaga {
    let payload = serde_json::json!({
        "segments": [{"eventTypeId": 9_007_199_254_740_993_u64, "start": "2031-03-10T09:00:00.123Z"}],
        "note": "Zoë \"quoted\" ✓",
        "nested": {"empty": [], "null": null, "flag": true, "ratio": 0.5}
    });
    ok(
        SUITE,
        NewSaga::new(SagaId::new(), kind, payload),
        "building a saga",
    )
}

async fn start(
    log: &dyn SagaLog,
    tenant: &TenantId,
    saga: &NewSaga,
    owner: &str,
    when: DateTime<Utc>,
) -> LeasedSaga {
    ok(
        SUITE,
        log.start(tenant, saga, owner, when, LEASE).await,
        "start",
    )
}

async fn claim(
    log: &dyn SagaLog,
    kind: &str,
    owner: &str,
    when: DateTime<Utc>,
    limit: u32,
) -> Vec<LeasedSaga> {
    ok(
        SUITE,
        log.claim_due(kind, owner, when, LEASE, limit).await,
        "claim_due",
    )
}

fn ids(claimed: &[LeasedSaga]) -> Vec<SagaId> {
    claimed.iter().map(|c| c.saga.id).collect()
}

fn step(name: &str, status: StepStatus, when: DateTime<Utc>) -> SagaStep {
    ok(SUITE, SagaStep::new(name, status, when), "building a step")
}

fn assert_conflict<T: std::fmt::Debug>(result: crate::Result<T>, rule: &str) {
    let error = err(SUITE, result, rule);
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "{SUITE} conformance: {rule}: expected Conflict, got {error:?}"
    );
}

/// A started saga is running, attempt 1, leased to its starter, with its
/// payload intact; another tenant cannot read it.
pub async fn start_then_get_round_trips(log: &dyn SagaLog) {
    let tenant = fresh_tenant();
    let saga = new_saga(&fresh_kind());
    let leased = start(log, &tenant, &saga, "worker-a", now()).await;
    let s = &leased.saga;
    assert_eq!(
        (s.id, &s.tenant, &s.kind, s.status, &s.payload, s.attempt),
        (
            saga.id,
            &tenant,
            &saga.kind,
            SagaStatus::Running,
            &saga.payload,
            1
        ),
        "start must store the saga as given, running, attempt 1"
    );
    assert_eq!(
        (
            s.lease_owner.as_deref(),
            s.lease_expires_at,
            s.next_run_at,
            s.created_at,
            s.updated_at
        ),
        (
            Some("worker-a"),
            Some(now() + secs(60)),
            now(),
            now(),
            now()
        ),
        "start must lease the saga to its starter"
    );
    assert!(s.steps.is_empty(), "a new saga has no steps");
    assert_eq!(
        (
            leased.lease.saga_id,
            leased.lease.owner.as_str(),
            leased.lease.expires_at
        ),
        (saga.id, "worker-a", now() + secs(60))
    );
    assert_eq!(
        ok(SUITE, log.get(&tenant, saga.id).await, "get").as_ref(),
        Some(s),
        "get must return what start returned"
    );
    assert_eq!(
        ok(SUITE, log.get(&fresh_tenant(), saga.id).await, "get"),
        None,
        "another tenant must not see the saga"
    );
}

/// Steps come back in first-recorded order with every field; recording a
/// step again replaces it without moving it.
pub async fn steps_are_kept_in_order_and_replaced_in_place(log: &dyn SagaLog) {
    let tenant = fresh_tenant();
    let leased = start(log, &tenant, &new_saga(&fresh_kind()), "worker-a", now()).await;
    let lease = &leased.lease;
    let hold = step("hold", StepStatus::Started, now());
    let mut create = step("create:0", StepStatus::Started, now() + secs(1));
    create.attempt = 3;
    create.next_run_at = Some(now() + secs(30));
    create.external_id = Some("cal-uid-0".to_owned());
    create.detail = serde_json::json!({"status": 503, "body": "busy ✓"});
    create.error = Some("Cal.com answered 503".to_owned());
    let mut hold_done = step("hold", StepStatus::Succeeded, now() + secs(2));
    hold_done.detail = serde_json::json!(["hold-1", "hold-2"]);
    for s in [&hold, &create, &hold_done] {
        ok(SUITE, log.record_step(lease, s).await, "record_step");
    }
    let got = some(
        SUITE,
        ok(SUITE, log.get(&tenant, lease.saga_id).await, "get"),
        "the saga",
    );
    assert_eq!(
        got.steps,
        vec![hold_done.clone(), create.clone()],
        "steps must keep first-recorded order, the latest record of each, every field intact"
    );
    assert_eq!(got.step("create:0"), Some(&create));
}

/// A leased saga is not claimed while its lease runs, and is once it ends.
pub async fn leased_sagas_are_not_claimed_until_the_lease_ends(log: &dyn SagaLog) {
    let kind = fresh_kind();
    let tenant = fresh_tenant();
    let leased = start(log, &tenant, &new_saga(&kind), "worker-a", now()).await;
    assert!(
        claim(log, &kind, "worker-b", now() + secs(59), 10)
            .await
            .is_empty(),
        "a saga must not be claimed while its lease runs"
    );
    let claimed = claim(log, &kind, "worker-b", now() + secs(60), 10).await;
    assert_eq!(
        ids(&claimed),
        [leased.saga.id],
        "a saga whose lease ended must be claimed"
    );
    let c = &claimed[0];
    assert_eq!(
        (
            c.saga.attempt,
            c.saga.lease_owner.as_deref(),
            c.lease.owner.as_str(),
            c.lease.expires_at
        ),
        (2, Some("worker-b"), "worker-b", now() + secs(120)),
        "a claim must bump the attempt and lease the saga to the claimer"
    );
    assert_ne!(
        c.lease.token, leased.lease.token,
        "every claim must issue a fresh token"
    );
    assert!(
        claim(log, &kind, "worker-c", now() + secs(61), 10)
            .await
            .is_empty(),
        "a freshly claimed saga must not be claimed again"
    );
}

/// After someone else claimed the saga, every write with the old lease is
/// refused and changes nothing; the new lease works.
pub async fn a_new_claim_fences_out_the_old_lease(log: &dyn SagaLog) {
    let kind = fresh_kind();
    let tenant = fresh_tenant();
    let old = start(log, &tenant, &new_saga(&kind), "worker-a", now())
        .await
        .lease;
    let later = now() + secs(61);
    let new = claim(log, &kind, "worker-b", later, 1).await;
    let new = &some(SUITE, new.first(), "the claimed saga").lease;
    assert_conflict(
        log.record_step(&old, &step("hold", StepStatus::Started, later))
            .await,
        "record_step with a lost lease",
    );
    assert_conflict(
        log.set_status(&old, SagaStatus::Completed, later).await,
        "set_status with a lost lease",
    );
    assert_conflict(
        log.release(&old, later, later).await,
        "release with a lost lease",
    );
    assert_conflict(
        log.renew(&old, later, LEASE).await,
        "renew with a lost lease",
    );
    let got = some(
        SUITE,
        ok(SUITE, log.get(&tenant, old.saga_id).await, "get"),
        "the saga",
    );
    assert!(
        got.steps.is_empty() && got.status == SagaStatus::Running,
        "writes with a lost lease must change nothing: {got:?}"
    );
    ok(
        SUITE,
        log.record_step(new, &step("hold", StepStatus::Started, later))
            .await,
        "record_step with the new lease",
    );
}

/// A released saga is due again at its `next_run_at`, not before.
pub async fn released_sagas_come_back_when_due(log: &dyn SagaLog) {
    let kind = fresh_kind();
    let leased = start(log, &fresh_tenant(), &new_saga(&kind), "worker-a", now()).await;
    ok(
        SUITE,
        log.release(&leased.lease, now() + secs(300), now() + secs(1))
            .await,
        "release",
    );
    assert!(
        claim(log, &kind, "worker-b", now() + secs(299), 10)
            .await
            .is_empty(),
        "not due yet"
    );
    assert_eq!(
        ids(&claim(log, &kind, "worker-b", now() + secs(300), 10).await),
        [leased.saga.id]
    );
}

/// Claims take only the given kind, at most `limit`, earliest due first.
pub async fn claims_respect_kind_limit_and_order(log: &dyn SagaLog) {
    let kind = fresh_kind();
    let other_kind = fresh_kind();
    let tenant = fresh_tenant();
    let mut expected = Vec::new();
    for offset in [20, 0, 10] {
        let leased = start(log, &tenant, &new_saga(&kind), "starter", now()).await;
        ok(
            SUITE,
            log.release(&leased.lease, now() + secs(offset), now())
                .await,
            "release",
        );
        expected.push((offset, leased.saga.id));
    }
    expected.sort();
    let other = start(
        log,
        &fresh_tenant(),
        &new_saga(&other_kind),
        "starter",
        now(),
    )
    .await;
    ok(
        SUITE,
        log.release(&other.lease, now(), now()).await,
        "release",
    );
    let when = now() + secs(100);
    assert!(
        claim(log, &kind, "worker", when, 0).await.is_empty(),
        "limit 0 claims nothing"
    );
    let first = claim(log, &kind, "worker", when, 2).await;
    assert_eq!(
        ids(&first),
        [expected[0].1, expected[1].1],
        "earliest due first, at most limit"
    );
    let rest = claim(log, &kind, "worker", when, 2).await;
    assert_eq!(ids(&rest), [expected[2].1], "the next claim takes the rest");
    assert_eq!(
        ids(&claim(log, &other_kind, "worker", when, 10).await),
        [other.saga.id],
        "kinds are separate"
    );
}

/// Completed, compensated and failed sagas end their lease and are never
/// claimed again.
pub async fn terminal_sagas_are_never_claimed(log: &dyn SagaLog) {
    for terminal in [
        SagaStatus::Completed,
        SagaStatus::Compensated,
        SagaStatus::Failed,
    ] {
        let kind = fresh_kind();
        let tenant = fresh_tenant();
        let leased = start(log, &tenant, &new_saga(&kind), "worker-a", now()).await;
        ok(
            SUITE,
            log.set_status(&leased.lease, terminal, now() + secs(1))
                .await,
            "set_status",
        );
        let got = some(
            SUITE,
            ok(SUITE, log.get(&tenant, leased.saga.id).await, "get"),
            "the saga",
        );
        assert_eq!(
            (
                got.status,
                got.lease_owner,
                got.lease_expires_at,
                got.updated_at
            ),
            (terminal, None, None, now() + secs(1)),
            "a terminal status must end the lease"
        );
        assert!(
            claim(log, &kind, "worker-b", now() + TimeDelta::days(365), 10)
                .await
                .is_empty(),
            "a {terminal:?} saga must never be claimed"
        );
        assert_conflict(
            log.record_step(&leased.lease, &step("late", StepStatus::Started, now()))
                .await,
            "writing to a finished saga",
        );
    }
}

/// A compensating saga is still unfinished: it is claimed when due.
pub async fn compensating_sagas_are_claimed(log: &dyn SagaLog) {
    let kind = fresh_kind();
    let tenant = fresh_tenant();
    let leased = start(log, &tenant, &new_saga(&kind), "worker-a", now()).await;
    ok(
        SUITE,
        log.set_status(&leased.lease, SagaStatus::Compensating, now())
            .await,
        "set_status",
    );
    ok(
        SUITE,
        log.release(&leased.lease, now(), now()).await,
        "release",
    );
    let claimed = claim(log, &kind, "worker-b", now(), 10).await;
    assert_eq!(ids(&claimed), [leased.saga.id]);
    assert_eq!(claimed[0].saga.status, SagaStatus::Compensating);
}

/// Renewing moves the lease's end; the saga stays the renewer's.
pub async fn renew_extends_the_lease(log: &dyn SagaLog) {
    let kind = fresh_kind();
    let leased = start(log, &fresh_tenant(), &new_saga(&kind), "worker-a", now()).await;
    let renewed = ok(
        SUITE,
        log.renew(&leased.lease, now() + secs(50), LEASE).await,
        "renew",
    );
    assert_eq!(renewed.expires_at, now() + secs(110));
    assert_eq!(
        renewed.token, leased.lease.token,
        "renewing keeps the token"
    );
    assert!(
        claim(log, &kind, "worker-b", now() + secs(100), 10)
            .await
            .is_empty(),
        "renewed lease still runs"
    );
    assert_eq!(
        ids(&claim(log, &kind, "worker-b", now() + secs(110), 10).await),
        [leased.saga.id]
    );
}

/// A lease for a saga that does not exist is `NotFound`.
pub async fn unknown_sagas_are_not_found(log: &dyn SagaLog) {
    let lease = SagaLease {
        saga_id: SagaId::new(),
        owner: "worker-a".to_owned(),
        token: Uuid::new_v4(),
        expires_at: now(),
    };
    let error = err(
        SUITE,
        log.record_step(&lease, &step("hold", StepStatus::Started, now()))
            .await,
        "record_step",
    );
    assert!(
        matches!(error, DomainError::NotFound { .. }),
        "record_step on an unknown saga: {error:?}"
    );
    let error = err(SUITE, log.release(&lease, now(), now()).await, "release");
    assert!(
        matches!(error, DomainError::NotFound { .. }),
        "release of an unknown saga: {error:?}"
    );
    assert_eq!(
        ok(SUITE, log.get(&fresh_tenant(), lease.saga_id).await, "get"),
        None
    );
}

/// A saga id can be used once.
pub async fn duplicate_ids_conflict(log: &dyn SagaLog) {
    let tenant = fresh_tenant();
    let saga = new_saga(&fresh_kind());
    start(log, &tenant, &saga, "worker-a", now()).await;
    assert_conflict(
        log.start(&tenant, &saga, "worker-b", now(), LEASE).await,
        "starting a saga id twice",
    );
}
