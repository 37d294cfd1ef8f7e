//! `cargo run -p calbridge-testkit -- --port 5555`: the mock Cal.com as a
//! standalone server with its demo data, for manual testing and for test
//! suites in other languages.
//!
//! Options: `--port N` (default 5555), `--host ADDR` (default 127.0.0.1),
//! `--api-key KEY` (default `MockConfig::DEFAULT_API_KEY`), `--time-zone
//! IANA` (default Europe/Berlin), `--rate-limit N` (requests per key per
//! minute, default 120), `--v1-gone`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use calbridge_testkit::{MockCalcom, MockConfig};

const USAGE: &str = "usage: calbridge-testkit [--port N] [--host ADDR] [--api-key KEY] \
    [--time-zone IANA] [--rate-limit N] [--v1-gone]";

/// What the command line asked for.
fn parse_args(args: &[String]) -> Result<MockConfig, String> {
    let mut config = MockConfig::default();
    let mut port: u16 = 5555;
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?;
            }
            "--host" => {
                host = value("--host")?
                    .parse()
                    .map_err(|e| format!("--host: {e}"))?;
            }
            "--api-key" => {
                let key = value("--api-key")?;
                if !key.starts_with("cal_") {
                    return Err("--api-key: Cal.com API keys start with cal_".to_owned());
                }
                config.api_key = key;
            }
            "--time-zone" => {
                config.time_zone = value("--time-zone")?
                    .parse()
                    .map_err(|e| format!("--time-zone: {e}"))?;
            }
            "--rate-limit" => {
                let n: u32 = value("--rate-limit")?
                    .parse()
                    .map_err(|e| format!("--rate-limit: {e}"))?;
                config = config.with_rate_limit(n.max(1), Duration::from_secs(60));
            }
            "--v1-gone" => config = config.with_v1_gone(true),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    config.bind = SocketAddr::new(host, port);
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse_args(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let mock = match MockCalcom::start_with(config).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("calbridge-testkit: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "calbridge-testkit: mock Cal.com listening on {}",
        mock.base_url()
    );
    println!("  API key (Authorization: Bearer ...): {}", mock.api_key());
    println!(
        "  event types {:?}, team event types {:?}; admin surface under /_testkit",
        mock.event_type_ids(),
        mock.team_event_type_ids()
    );
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("calbridge-testkit: cannot wait for Ctrl-C; stopping");
    }
    drop(mock);
    ExitCode::SUCCESS
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_flags_and_refuses_nonsense() {
        let c = parse_args(&args("--port 5555")).unwrap();
        assert_eq!(c.bind, "127.0.0.1:5555".parse::<SocketAddr>().unwrap());
        let c = parse_args(&args("--host 0.0.0.0 --port 1 --rate-limit 7 --v1-gone")).unwrap();
        assert_eq!(c.bind.port(), 1);
        assert_eq!(c.rate_limit.requests, 7);
        assert!(c.v1_gone);
        assert!(parse_args(&args("--port")).is_err());
        assert!(parse_args(&args("--port x")).is_err());
        assert!(parse_args(&args("--api-key nope")).is_err());
        assert!(parse_args(&args("--bogus")).is_err());
    }
}
