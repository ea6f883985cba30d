//! The main job: trigger a dbt Cloud job, follow it to the end, and report what it did.
//!
//! ```text
//! cargo run -p dbt-cloud-api --example run_job
//! ```
//!
//! Without credentials it starts the mock dbt Cloud in-process and runs its demo job. With
//! `DBT_CLOUD_API_TOKEN`, `DBT_CLOUD_ACCOUNT_ID` and `DBT_CLOUD_JOB_ID` set (and
//! `DBT_CLOUD_HOST` for a non-US or cell-based account) it does the same against dbt Cloud.
//! The exit code is 0 only if the run succeeded.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dbt_cloud_api::types::Run;
use dbt_cloud_api::{
    Config, DbtCloud, Error, RunNodes, RunStatus, TriggerOptions, WaitOptions, config,
};
use dbt_cloud_mock::{MockDbtCloud, MockServer, demo_ids};
use indicatif::{ProgressBar, ProgressStyle};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<ExitCode, BoxError> {
    // Kept alive until the end: dropping it stops the mock.
    let (dbt, job_id, _mock) = connect().await?;
    let account_id = dbt.account_id()?;

    let projects = dbt
        .collect_all(dbt.list_projects().account_id(account_id))
        .await?;
    println!("\nProjects ({}):", projects.len());
    for p in &projects {
        println!("  {:>8}  {}", p.id, p.name.as_deref().unwrap_or("-"));
    }
    let jobs = dbt
        .collect_all(dbt.list_jobs().account_id(account_id))
        .await?;
    println!("\nJobs ({}):", jobs.len());
    for j in &jobs {
        let marker = if j.id == job_id { "*" } else { " " };
        println!(
            "{marker} {:>8}  {:<40} project {:>6}  environment {:>6}",
            j.id,
            j.name.as_deref().unwrap_or("-"),
            j.project_id.map_or("-".into(), |v| v.to_string()),
            j.environment_id.map_or("-".into(), |v| v.to_string()),
        );
    }

    let run = dbt
        .trigger_run(
            job_id,
            TriggerOptions::new("Triggered by the dbt-cloud-api run_job example"),
        )
        .await?;
    println!(
        "\nTriggered run {} of job {job_id}{}",
        run.id,
        dbt.run_url(&run)
            .map(|link| format!(" ({link})"))
            .unwrap_or_default()
    );

    let progress = Progress::new();
    let reporter = progress.clone();
    let wait = WaitOptions::default()
        .poll_interval(Duration::from_millis(500))
        .max_poll_interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(6 * 3600))
        .include_related("run_steps")
        .on_update(move |update| {
            reporter.update(update.run, &update.status_label(), update.elapsed)
        });
    let outcome = dbt.wait_for_run(run.id, wait).await;
    progress.finish();

    let (final_run, succeeded) = match outcome {
        Ok(run) => (run, true),
        Err(Error::RunFailed { run, .. }) => (*run, false),
        Err(e) => return Err(e.into()),
    };
    print_summary(&dbt, &final_run);
    match dbt.run_nodes(final_run.id).await {
        Ok(nodes) => print_nodes(&nodes),
        Err(e) => println!("\nNo run_results.json: {e}"),
    }
    Ok(if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Real dbt Cloud when a token is configured, the in-process mock otherwise.
async fn connect() -> Result<(DbtCloud, i64, Option<MockServer>), BoxError> {
    let has_token = config::TOKEN_VARS
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|t| !t.trim().is_empty()));
    if has_token {
        let config = Config::from_env()?;
        let job_id = std::env::var("DBT_CLOUD_JOB_ID")
            .map_err(|_| "DBT_CLOUD_JOB_ID is not set: the id of the job to run")?
            .trim()
            .parse::<i64>()
            .map_err(|_| "DBT_CLOUD_JOB_ID is invalid: expected a job id (an integer)")?;
        if config.account_id().is_none() {
            return Err("DBT_CLOUD_ACCOUNT_ID is not set: the id of your dbt Cloud account".into());
        }
        println!(
            "dbt Cloud at {} (account {:?})",
            config.base_url(),
            config.account_id()
        );
        return Ok((config.client()?, job_id, None));
    }
    // Runs move 10x faster than real time so the demo takes seconds, not minutes.
    let mock = MockDbtCloud::builder().real_time(10.0).start().await?;
    println!(
        "No DBT_CLOUD_API_TOKEN: using the in-process mock dbt Cloud at {}.\n\
         Set DBT_CLOUD_API_TOKEN, DBT_CLOUD_ACCOUNT_ID and DBT_CLOUD_JOB_ID to run a real job.",
        mock.base_url()
    );
    let dbt = Config::builder()
        .token(mock.token())
        .host(mock.base_url())
        .account_id(mock.account_id())
        .build()?
        .client()?;
    Ok((dbt, demo_ids::DAILY_JOB, Some(mock)))
}

/// Live progress: a spinner on a terminal, one line per change otherwise (CI logs).
#[derive(Clone)]
struct Progress {
    bar: Option<ProgressBar>,
    last_line: Arc<Mutex<String>>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Progress {
            bar,
            last_line: Arc::new(Mutex::new(String::new())),
        }
    }

    fn update(&self, run: &Run, status: &str, elapsed: Duration) {
        let steps = run.run_steps.as_deref().unwrap_or_default();
        // The step running now (or the last one started), as "step 3: Invoke dbt with `dbt build`".
        let step = steps
            .iter()
            .rev()
            .find(|s| s.run_status().is_some_and(|st| st != RunStatus::Queued))
            .map(|s| {
                format!(
                    " | step {}: {}",
                    s.index.unwrap_or_default(),
                    s.name.as_deref().unwrap_or("-")
                )
            })
            .unwrap_or_default();
        let line = format!("run {}: {status}{step}", run.id);
        match &self.bar {
            Some(bar) => bar.set_message(format!("{line} ({:.0}s)", elapsed.as_secs_f64())),
            None => {
                let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
                if *last != line {
                    println!("[{:>6.1}s] {line}", elapsed.as_secs_f64());
                    *last = line;
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_summary(dbt: &DbtCloud, run: &Run) {
    let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("\nRun {}", run.id);
    println!(
        "  status:     {}",
        run.run_status()
            .map_or_else(|| field(&run.status_humanized), |s| s.to_string())
    );
    if let Some(message) = run.status_message.as_deref().filter(|m| !m.is_empty()) {
        println!("  message:    {message}");
    }
    println!(
        "  job:        {}",
        run.job_definition_id.map_or("-".into(), |v| v.to_string())
    );
    println!("  started:    {}", field(&run.started_at));
    println!("  finished:   {}", field(&run.finished_at));
    let seconds =
        |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.1}s", d.as_secs_f64()));
    println!("  queued:     {}", seconds(run.queued_time()));
    println!("  ran:        {}", seconds(run.run_time()));
    if let Some(link) = dbt.run_url(run) {
        println!("  link:       {link}");
    }
    for step in run.run_steps.as_deref().unwrap_or_default() {
        println!(
            "  step {:>2}:    {:<10} {}",
            step.index.unwrap_or_default(),
            step.run_status().map_or("-".into(), |s| s.to_string()),
            step.name.as_deref().unwrap_or("-")
        );
    }
}

/// Every node of every dbt step, with its step.
fn print_nodes(nodes: &RunNodes) {
    println!("\nNodes ({}):", nodes.nodes().count());
    println!(
        "  {:>4}  {:<20} {:<55} {:<10} {:>8}  message",
        "step", "command", "node", "status", "seconds"
    );
    for n in nodes.nodes() {
        println!(
            "  {:>4}  {:<20} {:<55} {:<10} {:>8}  {}",
            n.step.index,
            n.step.command,
            n.node.unique_id,
            n.node.status,
            n.node
                .execution_time
                .map_or("-".into(), |t| format!("{t:.2}")),
            n.node.message.as_deref().unwrap_or("")
        );
    }
    for (index, command, why) in &nodes.unreadable {
        println!("  step {index} ({command}): no run_results.json ({why})");
    }
    let counts: Vec<String> = nodes
        .status_counts()
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    println!("  total: {}", counts.join(", "));
}
