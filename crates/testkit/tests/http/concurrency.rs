use std::sync::Arc;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_creates_of_one_slot_give_exactly_one_booking() {
    let api = Arc::new(Api::start().await);
    let start = weekday_at(5, 13, 0);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let api = Arc::clone(&api);
        tasks.push(tokio::spawn(async move {
            api.book(1001, start, &format!("racer{i}@example.com"))
                .await
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => created += 1,
            400 => {
                assert_eq!(r.error_message(), TAKEN);
                refused += 1;
            }
            other => panic!("unexpected {other}: {:#}", r.body),
        }
    }
    assert_eq!((created, refused), (1, 29));
    let active: Vec<_> = api
        .cal
        .bookings()
        .into_iter()
        .filter(|b| b.is_active() && b.start == start)
        .collect();
    assert_eq!(active.len(), 1);
}
