//! Overhead of the client against a bare `reqwest` GET of the same slots URL.
//!
//! A tiny local axum server answers `GET /v2/slots` with a fixed day of
//! slots. Both sides send the same request (URL, bearer key, version
//! header) over one keep-alive connection; the bare side reads and parses
//! the JSON, the client side also runs its guards (breaker, limiter with an
//! unlimited quota), metrics, tracing and the typed decode.
//!
//! ```text
//! cargo run --release -p calbridge-calcom --example overhead [-- ROUNDS CALLS]
//! ```
//!
//! Calls alternate between the two sides so drift and load hit both alike.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use calbridge_calcom::{CalcomClient, CalcomConfig, RateLimitPolicy, SlotsQuery};
use chrono::{TimeZone, Utc};
use secrecy::SecretString;

const KEY: &str = "cal_live_benchmarkkey0123456789";

fn slots_body() -> String {
    let slots: Vec<_> = (0..16)
        .map(|i| {
            let h = 9 + i / 2;
            let m = if i % 2 == 0 { "00" } else { "30" };
            let (eh, em) = if i % 2 == 0 { (h, "30") } else { (h + 1, "00") };
            serde_json::json!({
                "start": format!("2050-09-05T{h:02}:{m}:00.000+02:00"),
                "end": format!("2050-09-05T{eh:02}:{em}:00.000+02:00"),
            })
        })
        .collect();
    serde_json::json!({"status": "success", "data": {"2050-09-05": slots}}).to_string()
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = samples.iter().map(|d| us(*d)).sum::<f64>() / samples.len() as f64;
    let p = |q: f64| us(samples[((samples.len() - 1) as f64 * q) as usize]);
    (mean, p(0.5), p(0.99))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);

    let body = slots_body();
    let app = Router::new().route(
        "/v2/slots",
        get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // The server on its own thread, so it does not share the measured runtime.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move { axum::serve(listener, app).await.unwrap() });
    });

    let client = CalcomClient::new(
        CalcomConfig::new(SecretString::from(KEY))
            .with_base_url(&base)
            .with_rate_limit(RateLimitPolicy::unlimited()),
    )
    .unwrap();
    let query = SlotsQuery::new(
        7,
        Utc.with_ymd_and_hms(2050, 9, 5, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2050, 9, 6, 0, 0, 0).unwrap(),
    );
    let bare = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!(
        "{base}/v2/slots?start=2050-09-05T00%3A00%3A00.000Z&end=2050-09-06T00%3A00%3A00.000Z&eventTypeId=7&format=range"
    );
    let bare_get = || async {
        let response = bare
            .get(&url)
            .bearer_auth(KEY)
            .header("cal-api-version", "2024-09-04")
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let v: serde_json::Value = response.json().await.unwrap();
        assert_eq!(v["status"], "success");
    };

    // Warm up both connections.
    for _ in 0..200 {
        bare_get().await;
        client.slots(&query).await.unwrap();
    }
    // Calls alternate one by one (and which side goes first alternates too),
    // so load from other processes hits both sides alike.
    let (mut bare_samples, mut client_samples) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for i in 0..calls {
            let client_first = (round + i) % 2 == 0;
            for side in [client_first, !client_first] {
                let t = Instant::now();
                if side {
                    let slots = client.slots(&query).await.unwrap();
                    client_samples.push(t.elapsed());
                    assert_eq!(slots["2050-09-05"].len(), 16);
                } else {
                    bare_get().await;
                    bare_samples.push(t.elapsed());
                }
            }
        }
    }
    let (b_mean, b_p50, b_p99) = stats(bare_samples);
    let (c_mean, c_p50, c_p99) = stats(client_samples);
    println!(
        "{} rounds x {} calls per side, GET /v2/slots (16 slots) on localhost\n",
        rounds, calls
    );
    println!("| side              | mean µs | p50 µs | p99 µs |");
    println!("|-------------------|--------:|-------:|-------:|");
    println!("| bare reqwest      | {b_mean:7.1} | {b_p50:6.1} | {b_p99:6.1} |");
    println!("| CalcomClient      | {c_mean:7.1} | {c_p50:6.1} | {c_p99:6.1} |");
    println!(
        "| ratio client/bare | {:7.3} | {:6.3} | {:6.3} |",
        c_mean / b_mean,
        c_p50 / b_p50,
        c_p99 / b_p99
    );
}
