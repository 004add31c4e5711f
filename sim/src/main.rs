//! `motcua-sim`: the stand-ins for the national systems, as one process (see sim/README.md).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;

#[derive(Parser)]
#[command(about = "Stand-ins for the national systems (sharing platform, population DB, national portal, payment)")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MOTCUA_SIM_LISTEN", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Clients of the sharing platform's token endpoint: comma-separated `id:secret` pairs.
    #[arg(long, env = "MOTCUA_SIM_CLIENTS", default_value = "motcua:motcua-dev-secret", hide_env_values = true)]
    clients: String,
    /// `iss` of the JWTs the platform issues (`/_sim/mint`).
    #[arg(long, env = "MOTCUA_SIM_ISSUER", default_value = "http://127.0.0.1:8090/oauth2")]
    issuer: String,
    /// Lifetime of the access tokens of `/oauth2/token`, in seconds.
    #[arg(long, env = "MOTCUA_SIM_TOKEN_TTL_SECS", default_value_t = 3600)]
    token_ttl_secs: u64,
    /// The people of the population database (format of sim/eid/accounts.json). Default: sim/eid/accounts.json
    /// relative to the working directory, else next to this crate.
    #[arg(long, env = "MOTCUA_SIM_ACCOUNTS")]
    accounts: Option<PathBuf>,
    /// Base URL of the motcua backend: where the portal pushes dossiers and polls changes, where payment
    /// callbacks go and where the payer is sent back to.
    #[arg(long, env = "MOTCUA_SIM_MOTCUA_URL", default_value = motcua_sim::DEFAULT_MOTCUA_URL)]
    motcua_url: String,
    /// Partners of the payment platform: comma-separated `MaDoiTac:secret` pairs.
    #[arg(
        long,
        env = "MOTCUA_SIM_PAYGOV_PARTNERS",
        default_value = motcua_sim::DEFAULT_PAYGOV_PARTNERS,
        hide_env_values = true,
        hide_default_value = true
    )]
    paygov_partners: String,
    /// Where the SMTP sink listens (motcua's e-mail notifications land there; read them at `/_sim/mail`).
    #[arg(long, env = "MOTCUA_SIM_SMTP_LISTEN", default_value = "127.0.0.1:2525")]
    smtp_listen: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().json().flatten_event(true).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let sim = motcua_sim::build(
        &args.clients,
        args.issuer,
        Duration::from_secs(args.token_ttl_secs),
        args.accounts.as_deref(),
    )?;
    sim.set_motcua_url(args.motcua_url);
    sim.set_paygov_partners(&args.paygov_partners)?;
    tracing::info!(motcua_url = %sim.motcua_url(), "calls to motcua go there");
    let smtp = tokio::net::TcpListener::bind(args.smtp_listen).await?;
    tracing::info!(addr = %smtp.local_addr()?, "SMTP sink listening");
    tokio::spawn(motcua_sim::notify::serve_smtp(smtp, sim.clone()));
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "national-system stand-ins listening");
    axum::serve(listener, motcua_sim::app(sim))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
