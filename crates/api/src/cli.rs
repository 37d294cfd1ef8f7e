//! Command line: `calbridge [serve]` and `calbridge migrate`. Every setting
//! is a flag with an environment variable of the same name, so `--help`
//! documents the whole configuration.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::settings::{DEFAULT_CALCOM_BASE_URL, DEFAULT_DATABASE_URL, Settings};
use crate::startup::{Application, StartupError};

/// calbridge: book on Cal.com safely.
#[derive(Parser)]
#[command(name = "calbridge", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings for the default `serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate {
        /// Database to migrate.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
        database_url: String,
    },
    /// Manage tenants (`tenant create <id>` prints a new bearer token).
    Tenant {
        /// What to do.
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Sync the tenant's Cal.com bookings into the local cache, then exit.
    Sync {
        /// Walk every booking instead of only what changed since the last sync.
        #[arg(long)]
        full: bool,
        /// Settings, as for `serve`.
        #[command(flatten)]
        args: ServeArgs,
    },
}

/// `calbridge tenant ...`.
#[derive(Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (if new) and print a new API token for it, once.
    Create {
        /// Tenant id: 1-64 characters of a-z, 0-9, '-' or '_'.
        id: String,
        /// Database holding tenants.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
        database_url: String,
    },
}

/// Settings of `serve`. Values from the environment are hidden in `--help`
/// because some are secrets.
#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Cal.com API key (cal_… or cal_live_…). Without it, calbridge runs in
    /// demo mode against a built-in mock Cal.com.
    #[arg(long, env = "CALCOM_API_KEY", hide_env_values = true)]
    pub calcom_api_key: Option<String>,
    /// Cal.com API base URL.
    #[arg(long, env = "CALCOM_BASE_URL", default_value = DEFAULT_CALCOM_BASE_URL)]
    pub calcom_base_url: String,
    /// `sqlite://path` (embedded, the default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// Redis URL for a cache shared by instances; in-process when absent.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Tenant this instance books for.
    #[arg(long, env = "CALBRIDGE_TENANT")]
    pub tenant: Option<String>,
    /// Master key for secrets at rest: base64 of 32 bytes, or
    /// `2:<base64>,1:<base64>` while rotating. Required with PostgreSQL;
    /// with SQLite a key is generated beside the database file.
    #[arg(long, env = "CALBRIDGE_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// Seconds between incremental syncs of each Cal.com connection (catches
    /// missed webhooks); 0 switches the poller off.
    #[arg(long, env = "CALBRIDGE_SYNC_INTERVAL_SECS", default_value_t = crate::settings::DEFAULT_SYNC_INTERVAL_SECS)]
    pub sync_interval_secs: u64,
    /// The saga recovery worker's timing (`CALBRIDGE_SAGA_*`).
    #[command(flatten)]
    pub saga_worker: crate::settings::SagaWorkerConfig,
}

impl ServeArgs {
    /// Turns flags into settings; the key goes straight into a `SecretString`.
    pub fn into_settings(self) -> Settings {
        let calcom_api_key = self
            .calcom_api_key
            .filter(|k| !k.trim().is_empty())
            .map(SecretString::from);
        let tenant = self.tenant.unwrap_or_else(|| {
            if calcom_api_key.is_none() {
                "demo"
            } else {
                "default"
            }
            .to_owned()
        });
        Settings {
            calcom_api_key,
            calcom_base_url: self.calcom_base_url,
            database_url: self.database_url,
            redis_url: self.redis_url.filter(|u| !u.trim().is_empty()),
            bind: self.bind,
            tenant,
            master_key: self
                .master_key
                .filter(|k| !k.trim().is_empty())
                .map(SecretString::from),
            sync_interval_secs: self.sync_interval_secs,
            saga_worker: self.saga_worker,
        }
    }
}

/// Runs the chosen command to completion.
///
/// # Errors
/// Start-up failures (bad settings, unreachable database, port in use).
pub async fn run(cli: Cli) -> Result<(), StartupError> {
    match cli.command {
        Some(Command::Migrate { database_url }) => {
            crate::telemetry::init();
            calbridge_storage::migrate(&database_url)
                .await
                .map_err(|e| StartupError::Storage(e.to_string()))?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Tenant {
            command: TenantCommand::Create { id, database_url },
        }) => {
            let token = crate::tenancy::tenant_command::create_tenant(&database_url, &id).await?;
            eprintln!(
                "tenant {id}: new API token (shown once; send it as Authorization: Bearer <token>):"
            );
            println!("{token}");
            Ok(())
        }
        Some(Command::Sync { full, args }) => {
            crate::telemetry::init();
            let report = crate::sync::sync_command::run_sync(args.into_settings(), full).await?;
            println!(
                "synced: {} pages, {} bookings ({} new, {} changed, {} unchanged)",
                report.pages, report.fetched, report.inserted, report.updated, report.unchanged
            );
            Ok(())
        }
        None => serve(cli.serve).await,
    }
}

async fn serve(args: ServeArgs) -> Result<(), StartupError> {
    crate::telemetry::init();
    let app = Application::build(args.into_settings()).await?;
    app.run_until_stopped().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_subcommand_means_serve_with_defaults() {
        let cli = Cli::try_parse_from(["calbridge"]).unwrap();
        assert!(cli.command.is_none());
        let s = cli.serve.into_settings();
        assert!(s.is_demo());
        assert_eq!(s.tenant, "demo");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn tenant_and_sync_subcommands_parse() {
        let cli = Cli::try_parse_from(["calbridge", "tenant", "create", "acme"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Tenant { command: TenantCommand::Create { ref id, .. } }) if id == "acme"
        ));
        let cli = Cli::try_parse_from(["calbridge", "sync", "--full", "--sync-interval-secs", "0"])
            .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Sync { full: true, .. })
        ));
    }

    #[test]
    fn a_key_leaves_demo_mode() {
        let cli = Cli::try_parse_from(["calbridge", "serve", "--calcom-api-key", "cal_x"]).unwrap();
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve expected")
        };
        let s = args.into_settings();
        assert!(!s.is_demo());
        assert_eq!(s.tenant, "default");
    }
}
