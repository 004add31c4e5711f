use clap::{Parser, Subcommand};
use motcua::{config::Config, db, http, seed, telemetry};

/// motcua — Hệ thống thông tin giải quyết thủ tục hành chính (one-stop administrative procedure system).
///
/// Configuration comes from MOTCUA_* environment variables (see the README).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web UI.
    Serve {
        /// Apply pending migrations before listening (also MOTCUA_MIGRATE_ON_START=true).
        #[arg(long)]
        migrate: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load demo data (idempotent).
    Seed,
    /// Print the OpenAPI document (the content of api-spec/openapi.json).
    Spec,
    /// Check the audit log's hash chain; names the first broken entry (exit code 1 if any).
    VerifyAudit,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Spec = cli.command {
        print!("{}", http::openapi_json());
        return Ok(());
    }
    let config = Config::from_env()?;
    telemetry::init_logging(&config);
    let pool = db::connect(&config).await?;
    match cli.command {
        Command::Spec => unreachable!("handled above"),
        Command::Migrate => {
            db::migrate(&pool).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed => {
            let report = seed::run(&pool).await?;
            tracing::info!(
                agencies_added = report.agencies_added,
                units_added = report.units_added,
                staff_added = report.staff_added,
                procedures_published = report.procedures_published,
                "demo data loaded"
            );
        }
        Command::VerifyAudit => match motcua::store::audit::verify(&pool).await? {
            motcua::store::audit::Verdict::Ok { entries } => {
                println!("audit log OK: {entries} entries, chain intact");
            }
            motcua::store::audit::Verdict::Broken { seq, reason } => {
                println!("audit log BROKEN at entry {seq}: {reason}");
                std::process::exit(1);
            }
        },
        Command::Serve { migrate } => {
            if migrate || config.migrate_on_start {
                db::migrate(&pool).await?;
                tracing::info!("migrations applied");
            }
            config.check_bench()?;
            if config.bench.enabled {
                tracing::warn!(
                    without_audit = config.bench.without_audit,
                    without_limits = config.bench.without_limits,
                    "BENCHMARK MODE (MOTCUA_BENCH): not for real data"
                );
                motcua::store::audit::skip_for_benchmark(config.bench.without_audit);
            }
            let listener = tokio::net::TcpListener::bind(config.listen).await?;
            tracing::info!(addr = %listener.local_addr()?, public_url = %config.public_url, "listening");
            let handle = telemetry::metrics_handle();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
                loop {
                    tick.tick().await;
                    handle.run_upkeep();
                }
            });
            let state = http::AppState::new(std::sync::Arc::new(config), pool.clone());
            // The outbox relay to the national portal (safe in every instance at once).
            tokio::spawn(motcua::national::relay::run(
                pool.clone(),
                state.platform.clone(),
                state.config.public_url.clone(),
            ));
            // The daily reconciliation with the portal and the payment reconciliation (both coordinate
            // through the database, so every instance runs them).
            tokio::spawn(motcua::national::reconcile::daily(
                pool.clone(),
                state.platform.clone(),
                state.config.reconcile_at,
            ));
            tokio::spawn(motcua::app::payment::run(
                pool.clone(),
                state.objects.clone(),
                state.platform.clone(),
                state.config.clone(),
            ));
            // Notifications to applicants (e-mail, SMS).
            tokio::spawn(motcua::notify::run(pool.clone(), motcua::notify::Sender::from_config(&state.config)?));
            http::serve(listener, state, http::shutdown_signal()).await?;
            pool.close().await;
            tracing::info!("stopped");
        }
    }
    Ok(())
}
