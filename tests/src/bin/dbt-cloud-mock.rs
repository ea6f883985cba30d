//! The standalone mock dbt Cloud, for any HTTP client (dbt-cloud-cli, curl, other SDKs).
//!
//! Prints the base URL on the first line of stdout, then `account_id=...` and `job_ids=...`,
//! and serves until killed.
//!
//! ```text
//! dbt-cloud-mock --addr 127.0.0.1:8443 --token secret --tls-self-signed /tmp/mock-ca.pem --time-scale 10
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dbt_cloud_mock::{Clock, Fixtures, MockDbtCloud, Tls};

#[derive(Parser, Debug)]
#[command(
    name = "dbt-cloud-mock",
    about = "A mock dbt Cloud Administrative API (v2)"
)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The API token clients must send. Defaults to $DBT_CLOUD_MOCK_TOKEN, then "dbt-cloud-mock-token".
    #[arg(
        long,
        env = "DBT_CLOUD_MOCK_TOKEN",
        default_value = "dbt-cloud-mock-token",
        hide_env_values = true
    )]
    token: String,
    /// Fixtures file (JSON: accounts, projects, environments, repositories, jobs, seed_runs).
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// TLS certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM); needs --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Generate a self-signed certificate for 127.0.0.1 and localhost and write it (PEM) here,
    /// for clients to trust (REQUESTS_CA_BUNDLE, SSL_CERT_FILE).
    #[arg(long, conflicts_with = "tls_cert")]
    tls_self_signed: Option<PathBuf>,
    /// How much faster than real time runs progress (10 = a 30 s run takes 3 s).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Finished runs to seed for the first job (for pagination and benchmarks).
    #[arg(long, default_value_t = 0)]
    seed_runs: usize,
    /// A fixed delay before every answer, in milliseconds (default: none).
    #[arg(long, value_name = "MS")]
    latency: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dbt-cloud-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dbt-cloud-mock: {message}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

async fn run(args: Args) -> Result<(), String> {
    let fixtures = match &args.fixtures {
        Some(path) => {
            Fixtures::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Fixtures::demo(),
    };
    if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
        return Err(format!(
            "--time-scale must be a positive number, got {}",
            args.time_scale
        ));
    }
    let mut builder = MockDbtCloud::builder()
        .addr(args.addr)
        .token(args.token)
        .fixtures(fixtures)
        .clock(Clock::real_time(args.time_scale))
        // A long-running server must not grow without bound; keep the last 10,000 requests.
        .record_capacity(10_000);
    if let Some(ms) = args.latency {
        builder = builder.latency(std::time::Duration::from_millis(ms));
    }
    builder = match (&args.tls_cert, &args.tls_key, &args.tls_self_signed) {
        (Some(cert), Some(key), _) => builder.tls(Tls::Pem {
            cert_chain: read(cert)?,
            private_key: read(key)?,
        }),
        (_, _, Some(_)) => builder.tls(Tls::SelfSigned),
        _ => builder,
    };
    let server = builder.start().await.map_err(|e| e.to_string())?;
    if let (Some(out), Some(pem)) = (&args.tls_self_signed, server.certificate_pem()) {
        std::fs::write(out, pem)
            .map_err(|e| format!("writing the certificate to {}: {e}", out.display()))?;
    }
    let jobs = server.job_ids();
    if args.seed_runs > 0
        && let Some(first) = jobs.first()
    {
        server.seed_runs(*first, args.seed_runs);
    }
    let ids: Vec<String> = jobs.iter().map(i64::to_string).collect();
    let mut stdout = std::io::stdout().lock();
    // Line one is the URL (scripts read it); flush so a reader on a pipe sees it at once.
    let _ = writeln!(stdout, "{}", server.base_url());
    let _ = writeln!(stdout, "account_id={}", server.account_id());
    let _ = writeln!(stdout, "job_ids={}", ids.join(","));
    let _ = stdout.flush();
    drop(stdout);
    wait_for_signal().await;
    server.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
