//! Leases under real concurrency: several claimers (as several instances
//! would) never get the same saga, and on Postgres a claim skips rows
//! another transaction has locked instead of waiting for them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use calbridge_domain::ports::SagaLog;
use calbridge_domain::{NewSaga, SagaId, TenantId};
use chrono::{DateTime, TimeDelta, Utc};

use crate::support::{with_postgres, with_sqlite};

const SAGAS: usize = 60;
const CLAIMERS: usize = 6;
const KIND: &str = "race";
const LEASE: Duration = Duration::from_secs(60);

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant")
}

/// Starts `count` sagas and hands them back at once, so all are due.
async fn due_sagas(log: &dyn SagaLog, count: usize) -> Vec<SagaId> {
    let tenant = TenantId::parse("leases").expect("tenant");
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        let saga = NewSaga::new(SagaId::new(), KIND, serde_json::json!({})).expect("saga");
        let leased = log
            .start(&tenant, &saga, "starter", now(), LEASE)
            .await
            .expect("start");
        log.release(&leased.lease, now(), now())
            .await
            .expect("release");
        ids.push(saga.id);
    }
    ids
}

/// Claimers race in small batches until nothing is due: every saga is
/// claimed exactly once.
async fn claimers_never_share<L>(log: Arc<L>)
where
    L: SagaLog + 'static,
{
    let ids = due_sagas(&*log, SAGAS).await;
    let mut tasks = Vec::new();
    for claimer in 0..CLAIMERS {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            let owner = format!("instance-{claimer}");
            let mut mine = Vec::new();
            loop {
                let batch = log
                    .claim_due(KIND, &owner, now() + TimeDelta::seconds(1), LEASE, 4)
                    .await
                    .expect("claim_due");
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|c| c.saga.id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut claimed: BTreeMap<SagaId, usize> = BTreeMap::new();
    for task in tasks {
        for id in task.await.expect("claimer") {
            *claimed.entry(id).or_default() += 1;
        }
    }
    let twice: Vec<_> = claimed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sagas claimed more than once: {twice:?}");
    let mut expected = ids;
    expected.sort();
    assert_eq!(
        claimed.keys().copied().collect::<Vec<_>>(),
        expected,
        "every due saga must be claimed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_claimers_never_share_a_saga() {
    with_sqlite(claimers_never_share).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_claimers_never_share_a_saga() {
    with_postgres(claimers_never_share).await;
}

#[tokio::test]
async fn postgres_claims_skip_locked_rows_without_waiting() {
    with_postgres(|store| async move {
        let ids = due_sagas(&*store, 3).await;
        let mut blocker = store.pool().begin().await.expect("begin");
        sqlx::query("SELECT id FROM sagas WHERE id = $1 FOR UPDATE")
            .bind(ids[0].0)
            .execute(&mut *blocker)
            .await
            .expect("lock one saga row");
        let claimed = tokio::time::timeout(
            Duration::from_secs(2),
            store.claim_due(KIND, "instance-b", now(), LEASE, 10),
        )
        .await
        .expect("a claim must not wait for a locked row")
        .expect("claim_due");
        let mut got: Vec<SagaId> = claimed.iter().map(|c| c.saga.id).collect();
        got.sort();
        let mut others = ids[1..].to_vec();
        others.sort();
        assert_eq!(
            got, others,
            "the locked saga is skipped, the others claimed"
        );
        blocker.rollback().await.expect("rollback");
        let later = store
            .claim_due(KIND, "instance-b", now(), LEASE, 10)
            .await
            .expect("claim_due");
        assert_eq!(
            later.iter().map(|c| c.saga.id).collect::<Vec<_>>(),
            [ids[0]],
            "once unlocked, the skipped saga is claimed"
        );
    })
    .await;
}
