//! The standalone mock dbt Cloud, for any HTTP client (dbt-cloud-cli, curl, other SDKs).
//!
//! Prints the base URL on the first line of stdout, then `account_id=...`, `job_ids=...`,
//! `v2_base=...`, `v3_base=...` and `token_hint=...`, and serves until killed.
//!
//! ```text
//! dbt-cloud-mock --addr 127.0.0.1:8443 --token secret --tls-self-signed /tmp/mock-ca.pem --time-scale 10
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use std::time::Duration;

use clap::Parser;
use dbt_cloud_mock::{Clock, FaultSpec, Fixtures, JobOutcome, MockDbtCloud, Scenario, Tls};

const DEFAULT_TOKEN: &str = "dbt-cloud-mock-token";

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
        default_value = DEFAULT_TOKEN,
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
    /// Keep requests and answers in memory (off by default: a long-running server only
    /// counts them), within --record-max-bytes.
    #[arg(long)]
    record: bool,
    /// With --record: most bytes of requests and answers kept (oldest dropped first).
    #[arg(long, default_value_t = 64 * 1024 * 1024, requires = "record")]
    record_max_bytes: usize,
    /// How a job's runs end: JOB=success|error|cancelled[:MESSAGE] (repeatable).
    #[arg(long = "script", value_name = "JOB=OUTCOME[:MESSAGE]")]
    scripts: Vec<String>,
    /// A fault: OPERATION=FAULT[,times=N][,after=N][,p=P][,seed=S], OPERATION an
    /// operationId or `*`; FAULT status:503, status-after:502, rate-limit:7, latency-ms:500,
    /// close-before, close-after, truncate, html:502, detail:403:TEXT (repeatable).
    #[arg(long = "fault", value_name = "OPERATION=FAULT[,...]")]
    faults: Vec<String>,
    /// Scripts and faults from a JSON file: {"jobs": [{"job_id", "outcome", "message"}],
    /// "faults": [{"operation", "fault", "times", "after", "probability", "seed"}]}.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Largest request body accepted, in bytes (bigger ones get 413 unread).
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Seconds a connection may take to send a request's headers, or stay idle.
    #[arg(long, default_value_t = 30.0)]
    header_read_timeout: f64,
    /// Seconds a request's body may take to arrive (then 408).
    #[arg(long, default_value_t = 30.0)]
    body_read_timeout: f64,
}

/// A positive number of seconds as a Duration, or an error naming the flag.
fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    if value.is_finite() && value > 0.0 && value < 1e9 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(format!(
            "{flag} must be a positive number of seconds, got {value}"
        ))
    }
}

/// The scripts and faults of --scenario, --script and --fault, checked before the server starts.
fn scenario(args: &Args) -> Result<Scenario, String> {
    let mut scenario = match &args.scenario {
        Some(path) => {
            Scenario::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Scenario::default(),
    };
    for flag in &args.scripts {
        scenario.jobs.push(JobOutcome::parse_flag(flag)?);
    }
    for flag in &args.faults {
        scenario.faults.push(FaultSpec::parse_flag(flag)?);
    }
    Ok(scenario)
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
    let scenario = scenario(&args)?;
    let token_hint = if args.token == DEFAULT_TOKEN {
        format!("the default, {DEFAULT_TOKEN}")
    } else {
        "from --token or $DBT_CLOUD_MOCK_TOKEN (not shown)".to_string()
    };
    let mut builder = MockDbtCloud::builder()
        .addr(args.addr)
        .token(args.token.clone())
        .fixtures(fixtures)
        .clock(Clock::real_time(args.time_scale))
        .max_body_bytes(args.max_body_bytes)
        .header_read_timeout(seconds("--header-read-timeout", args.header_read_timeout)?)
        .body_read_timeout(seconds("--body-read-timeout", args.body_read_timeout)?);
    // A long-running server must not grow without bound: only counts unless asked to record.
    builder = if args.record {
        builder.record_max_bytes(args.record_max_bytes)
    } else {
        builder.record_nothing()
    };
    if let Some(ms) = args.latency {
        builder = builder.latency(Duration::from_millis(ms));
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
    scenario.apply(&server)?;
    let ids: Vec<String> = jobs.iter().map(i64::to_string).collect();
    let mut stdout = std::io::stdout().lock();
    // Line one is the URL (scripts read it); flush so a reader on a pipe sees it at once.
    let _ = writeln!(stdout, "{}", server.base_url());
    let _ = writeln!(stdout, "account_id={}", server.account_id());
    let _ = writeln!(stdout, "job_ids={}", ids.join(","));
    let _ = writeln!(stdout, "v2_base={}/api/v2", server.base_url());
    let _ = writeln!(stdout, "v3_base={}/api/v3", server.base_url());
    let _ = writeln!(stdout, "token_hint={token_hint}");
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
