use chrono::{Duration, Timelike};
use chrono_tz::Tz;

use super::support::*;

fn day_window(day: chrono::DateTime<chrono::Utc>) -> String {
    day.format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn slots_are_grouped_by_date_with_offsets_in_the_requested_zone() {
    let api = Api::start().await;
    let monday_ish = weekday_at(4, 12, 0);
    let d = day_window(monday_ish);
    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=1001&start={d}&end={d}&timeZone=Europe/Berlin"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["status"], "success");
    let days = r.data().as_object().unwrap();
    assert_eq!(days.len(), 1, "{:#}", r.body);
    let slots = days[&d].as_array().unwrap();
    assert_eq!(slots.len(), 16, "8 hours of 30-minute slots");
    let first = slots[0]["start"].as_str().unwrap();
    assert!(first.starts_with(&format!("{d}T09:00:00.000+0")), "{first}");
    assert!(first.ends_with(":00") && first.len() == 29, "{first}");
    assert!(slots[0].get("end").is_none());

    // Without timeZone: UTC `Z` strings, grouped by UTC date.
    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=1001&start={d}&end={d}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    let utc_first = r.data()[&d][0]["start"].as_str().unwrap().to_owned();
    assert!(utc_first.ends_with(".000Z"), "{utc_first}");
    assert_eq!(parse(&utc_first), parse(first));
}

#[tokio::test]
async fn a_far_east_zone_splits_one_working_day_over_two_dates() {
    let api = Api::start().await;
    let day = weekday_at(4, 12, 0);
    let d = day_window(day);
    // Kiritimati is UTC+14: Berlin 09:00–17:00 spans local midnight.
    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=1001&start={d}&end={d}&timeZone=Pacific/Kiritimati"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    let days = r.data().as_object().unwrap();
    assert_eq!(days.len(), 2, "{:#}", r.body);
    let total: usize = days.values().map(|v| v.as_array().unwrap().len()).sum();
    assert_eq!(total, 16);
    for (date, slots) in days {
        for s in slots.as_array().unwrap() {
            let start = s["start"].as_str().unwrap();
            assert!(
                start.starts_with(date.as_str()) && start.ends_with("+14:00"),
                "{start}"
            );
        }
    }
}

#[tokio::test]
async fn range_format_and_variable_durations() {
    let api = Api::start().await;
    let d = day_window(weekday_at(4, 12, 0));
    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=1001&start={d}&end={d}&format=range&timeZone=UTC"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    let s = &r.data()[&d][0];
    assert_eq!(
        parse(s["end"].as_str().unwrap()) - parse(s["start"].as_str().unwrap()),
        Duration::minutes(30)
    );
    assert!(s["start"].as_str().unwrap().ends_with('Z'));

    // 1003 steps by 15 minutes; a 45-minute duration ends 45 minutes later
    // and the last start is 16:15 Berlin.
    let r = api
        .get(
            &format!(
                "/v2/slots?eventTypeId=1003&start={d}&end={d}&duration=45&format=range&timeZone=Europe/Berlin"
            ),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    let slots = r.data()[&d].as_array().unwrap();
    assert_eq!(slots.len(), 30, "09:00..16:15 every 15 minutes");
    let last = &slots[29];
    assert!(
        last["start"].as_str().unwrap().contains("T16:15:00.000+0"),
        "{last}"
    );
    assert!(
        last["end"].as_str().unwrap().contains("T17:00:00.000+0"),
        "{last}"
    );
}

#[tokio::test]
async fn weekends_and_unknown_event_types() {
    let api = Api::start().await;
    let mut sat = weekday_at(3, 12, 0);
    while sat
        .with_timezone(&Tz::Europe__Berlin)
        .format("%a")
        .to_string()
        != "Sat"
    {
        sat += Duration::days(1);
    }
    let d = day_window(sat);
    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=1001&start={d}&end={d}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data(), &serde_json::json!({}));

    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=4242&start={d}&end={d}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(r.error_message(), "Event Type not found");
}

#[tokio::test]
async fn slug_and_username_select_the_event_type() {
    let api = Api::start().await;
    let d = day_window(weekday_at(4, 12, 0));
    let r = api
        .get(
            &format!("/v2/slots?eventTypeSlug=60min&username=calbridge-demo&start={d}&end={d}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(r.data()[&d].as_array().unwrap().len(), 8);
    let r = api
        .get(
            &format!("/v2/slots?eventTypeSlug=60min&username=nobody&start={d}&end={d}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(r.error_message(), "User with username nobody not found");
}

#[tokio::test]
async fn bad_queries_are_400_with_the_pipe_message() {
    let api = Api::start().await;
    let r = api
        .get(
            "/v2/slots?eventTypeId=1001&start=2030-01-01&end=2030-01-02&timeZone=Not/AZone",
            Some(SLOTS),
            Auth::None,
        )
        .await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(
        r.error_message(),
        "timeZone property is wrong,timeZone must be a valid IANA time-zone "
    );
    let r = api
        .get(
            "/v2/slots?eventTypeId=1001&start=yesterday",
            Some(SLOTS),
            Auth::None,
        )
        .await;
    r.assert_error(400, "BadRequestException");
    assert!(
        r.error_message()
            .contains("start must be a valid ISO 8601 date string")
    );
    assert!(
        r.error_message()
            .contains("end must be a valid ISO 8601 date string")
    );
}

#[tokio::test]
async fn minimum_notice_hides_the_next_hours() {
    let api = Api::start().await;
    let now = chrono::Utc::now();
    let starts = api
        .slot_starts(1001, now - Duration::days(1), now + Duration::days(7))
        .await;
    assert!(!starts.is_empty());
    // 1001 needs 120 minutes' notice.
    assert!(starts.iter().all(|s| *s >= now + Duration::minutes(119)));
    assert!(starts.iter().all(|s| s.second() == 0));
}
