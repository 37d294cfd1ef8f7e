//! The domain's `BookingRepository` conformance suite on both backends:
//! each check as its own test (on its own fresh database), plus `run_all`.

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
    conformance_tests!(crate::support::with_postgres);
}
