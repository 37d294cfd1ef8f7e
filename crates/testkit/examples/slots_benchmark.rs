//! Requests per second of `GET /v2/slots` on the testkit vs a wiremock
//! server returning a canned body of the same size, in the same run. Not a
//! timed test: run it by hand.
//!
//! ```text
//! cargo run --release -p calbridge-testkit --example slots_benchmark -- [requests] [concurrency]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use calbridge_testkit::{MockCalcom, MockConfig};
use chrono::{Datelike, Utc, Weekday};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn hammer(url: String, total: usize, concurrency: usize) -> (Duration, usize) {
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, next) = (client.clone(), url.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                let res = client
                    .get(&url)
                    .header("cal-api-version", "2024-09-04")
                    .send()
                    .await
                    .unwrap();
                if res.status().is_success() && !res.bytes().await.unwrap().is_empty() {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap();
    }
    (started.elapsed(), ok)
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(5_000);
    let concurrency = args.get(1).copied().unwrap_or(16);

    let cal = MockCalcom::start_with(MockConfig::default()).await.unwrap();
    // A week of 30-minute slots, in Berlin time.
    let mut day = Utc::now().date_naive() + chrono::Duration::days(7);
    while day.weekday() != Weekday::Mon {
        day += chrono::Duration::days(1);
    }
    let end = day + chrono::Duration::days(6);
    let slots_path =
        format!("/v2/slots?eventTypeId=1001&start={day}&end={end}&timeZone=Europe/Berlin");
    let body = reqwest::Client::new()
        .get(format!("{}{slots_path}", cal.base_url()))
        .header("cal-api-version", "2024-09-04")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let wm = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/slots"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json"))
        .mount(&wm)
        .await;

    // Warm-up, then measure each twice, interleaved.
    hammer(format!("{}{slots_path}", cal.base_url()), 200, concurrency).await;
    hammer(format!("{}{slots_path}", wm.uri()), 200, concurrency).await;
    println!(
        "GET /v2/slots, {} bytes per response, {total} requests, {concurrency} concurrent\n",
        body.len()
    );
    println!("| server | run | requests/s | ok |");
    println!("|---|---|---|---|");
    for run in 1..=2 {
        for (name, base) in [
            ("calbridge-testkit", cal.base_url()),
            ("wiremock 0.6", wm.uri()),
        ] {
            let (took, ok) = hammer(format!("{base}{slots_path}"), total, concurrency).await;
            println!(
                "| {name} | {run} | {:.0} | {ok}/{total} |",
                total as f64 / took.as_secs_f64()
            );
        }
    }
}
