//! The domain's conformance suites on both backends. On SQLite each
//! booking check, and each other suite, is its own test on its own fresh
//! database. On Postgres, where a fresh database costs a few hundred
//! milliseconds of server I/O, the suites share databases, as they are
//! written to (fresh tenants, hosts and saga kinds per check).

macro_rules! conformance_tests {
    ($with:path) => {
        conformance_tests!(@each $with;
            run_all,
            ping_succeeds,
            full_booking_round_trips,
            minimal_booking_round_trips,
            unknown_uid_is_none,
            newer_copy_updates,
            same_updated_at_updates,
            older_copy_is_stale,
            tenants_are_isolated,
            filter_by_status,
            filter_by_event_type,
            filter_by_time_window,
            filter_by_attendee_email,
            filter_by_updated_after,
            filters_combine,
            list_orders_by_start_then_uid,
            list_pages_with_limit_and_offset,
            list_caps_the_page_size,
        );
    };
    (@each $with:path; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                $with(|repo| async move {
                    calbridge_domain::conformance::booking_repository::$check(&*repo).await;
                })
                .await;
            }
        )*
    };
}

mod sqlite {
    conformance_tests!(crate::support::with_sqlite);
}

mod postgres {
    #[tokio::test]
    async fn booking_repository_suite() {
        crate::support::with_postgres(|store| async move {
            calbridge_domain::conformance::booking_repository::run_all(&*store).await;
        })
        .await;
    }

    /// Every other port's suite, one after another on one database.
    #[tokio::test]
    async fn store_suites() {
        crate::support::with_postgres(|store| async move {
            use calbridge_domain::conformance as c;
            c::slot_holds::run_all(&*store).await;
            c::appointments::run_all(&*store, &*store).await;
            c::saga_log::run_all(&*store).await;
            c::idempotency::run_all(&*store).await;
            c::webhook_events::run_all(&*store).await;
            c::tenants::run_all(&*store).await;
            c::sync_state::run_all(&*store).await;
            c::webhook_identities::run_all(&*store).await;
            let repo = store.connections(crate::support::test_keyring());
            c::connections::run_all(&repo).await;
        })
        .await;
    }
}

/// The other ports' suites, one test per suite (each on its own fresh
/// database; the suites' checks run one after another).
macro_rules! store_suites {
    ($with:path) => {
        #[tokio::test]
        async fn slot_holds_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::slot_holds::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn appointments_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::appointments::run_all(&*store, &*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn saga_log_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::saga_log::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn idempotency_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::idempotency::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn webhook_events_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::webhook_events::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn tenants_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::tenants::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn webhook_identities_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::webhook_identities::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn sync_state_suite() {
            $with(|store| async move {
                calbridge_domain::conformance::sync_state::run_all(&*store).await;
            })
            .await;
        }

        #[tokio::test]
        async fn connections_suite() {
            $with(|store| async move {
                let repo = store.connections(crate::support::test_keyring());
                calbridge_domain::conformance::connections::run_all(&repo).await;
            })
            .await;
        }
    };
}

mod sqlite_stores {
    store_suites!(crate::support::with_sqlite);
}
