//! A mock dbt Cloud (Administrative API v2 and v3) that behaves like the real one: dbt's envelopes,
//! status codes and error bodies, token auth, pagination and filters, a run lifecycle on a
//! clock the test controls, artifacts per step, real-world quirks, scripted faults, and a
//! record of every request. Written independently of the client's generated types (resources
//! are plain JSON), so it can disagree with them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dbt_cloud_mock::{Fixtures, JobScript, MockDbtCloud, demo_ids};
//! let mock = MockDbtCloud::builder().token("t").fixtures(Fixtures::demo()).start().await?;
//! mock.script_job(demo_ids::DAILY_JOB, JobScript::error());
//! let url = format!("{}/api/v2/accounts/{}/jobs/", mock.base_url(), mock.account_id());
//! # let _ = url;
//! mock.advance(std::time::Duration::from_secs(60));
//! mock.shutdown().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod app;
mod artifacts;
mod auth;
mod clock;
mod envelope;
mod faults;
mod fixtures;
mod lifecycle;
mod operation;
mod params;
mod recorder;
mod resources;
mod routes;
mod server;
mod store;
mod timestamps;
mod tls;
mod webhooks;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use app::Quirks;
pub use clock::Clock;
pub use faults::{Fault, FaultRule};
pub use fixtures::{Fixtures, SeedRuns, demo_ids, demo_resources};
pub use lifecycle::{JobScript, Outcome};
pub use operation::Operation;
pub use recorder::{RecordedRequest, RecordedResponse};
pub use tls::Tls;
/// The `Authorization` value of a webhook delivery: hex HMAC-SHA256 of the body.
pub use webhooks::signature as webhook_signature;

use app::App;
use recorder::Recorder;
use store::Store;

/// Run status codes, as dbt sends them.
pub mod status {
    pub use crate::lifecycle::{CANCELLED, ERROR, QUEUED, RUNNING, STARTING, SUCCESS};
}

/// Entry point: `MockDbtCloud::builder()`.
pub struct MockDbtCloud;

impl MockDbtCloud {
    pub fn builder() -> Builder {
        Builder::default()
    }
}

/// Why the mock could not start.
#[derive(Debug)]
pub struct StartError(String);

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dbt-cloud-mock could not start: {}", self.0)
    }
}

impl std::error::Error for StartError {}

/// Configures a mock before it starts.
pub struct Builder {
    token: String,
    fixtures: Fixtures,
    clock: Clock,
    quirks: Quirks,
    tls: Option<Tls>,
    addr: SocketAddr,
    record_capacity: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            token: "dbt-cloud-mock-token".into(),
            fixtures: Fixtures::demo(),
            clock: Clock::manual(),
            quirks: Quirks::default(),
            tls: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            record_capacity: 100_000,
        }
    }
}

impl Builder {
    /// The API token clients must send (`Token <t>` or `Bearer <t>`).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// The seeded resources (default: [`Fixtures::demo`]).
    pub fn fixtures(mut self, fixtures: Fixtures) -> Self {
        self.fixtures = fixtures;
        self
    }

    /// The clock runs move on (default: [`Clock::manual`]).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Real time, `scale` times faster (runs progress without the test advancing the clock).
    pub fn real_time(self, scale: f64) -> Self {
        self.clock(Clock::real_time(scale))
    }

    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Serve HTTPS instead of HTTP.
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Where to listen (default 127.0.0.1:0, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How many recent requests to keep (default 100,000; 0 keeps only counts, for benchmarks).
    pub fn record_capacity(mut self, capacity: usize) -> Self {
        self.record_capacity = capacity;
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, StartError> {
        if self.fixtures.accounts.is_empty() {
            return Err(StartError("the fixtures hold no account".into()));
        }
        let tls = match &self.tls {
            Some(tls) => Some(tls::prepare(tls).map_err(StartError)?),
            None => None,
        };
        let mut store = Store::from_fixtures(&self.fixtures);
        let now = self.clock.now_ms();
        for seed in &self.fixtures.seed_runs {
            store.seed_runs(seed.job_id, seed.count, now);
        }
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|e| StartError(format!("binding {}: {e}", self.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?;
        let app = Arc::new(App::new(
            store,
            self.clock,
            Recorder::new(self.record_capacity),
            self.token,
            self.quirks,
        ));
        let router = server::router(app.clone());
        let (shutdown, receiver) = watch::channel(false);
        let (acceptor, cert_pem) = match tls {
            Some(prepared) => (Some(prepared.acceptor), Some(prepared.cert_pem)),
            None => (None, None),
        };
        // Webhook deliveries stop with the server (same shutdown signal).
        webhooks::spawn(app.clone(), receiver.clone());
        let task = tokio::spawn(server::accept_loop(listener, router, acceptor, receiver));
        Ok(MockServer {
            app,
            addr,
            cert_pem,
            shutdown,
            task: Some(task),
        })
    }
}

/// A running mock. Dropping it stops the server.
pub struct MockServer {
    app: Arc<App>,
    addr: SocketAddr,
    cert_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    // No token in Debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// `http://127.0.0.1:PORT` (or `https://...`); API paths are `/api/v2/...` under it.
    pub fn base_url(&self) -> String {
        let scheme = if self.cert_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first account of the fixtures.
    pub fn account_id(&self) -> i64 {
        self.app
            .store()
            .accounts
            .keys()
            .next()
            .copied()
            .unwrap_or_default()
    }

    /// The token clients must send.
    pub fn token(&self) -> &str {
        &self.app.token
    }

    /// The certificate (PEM) clients must trust when serving HTTPS.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.cert_pem.as_deref()
    }

    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    /// Advances a manual clock (no effect on a real-time clock).
    pub fn advance(&self, by: Duration) {
        self.app.clock.advance(by);
    }

    /// Ids of the jobs, ascending.
    pub fn job_ids(&self) -> Vec<i64> {
        self.app.store().jobs.keys().copied().collect()
    }

    /// Creates `count` finished runs of `job_id` (mixed outcomes, deterministic); returns their ids.
    pub fn seed_runs(&self, job_id: i64, count: usize) -> Vec<i64> {
        let now = self.app.clock.now_ms();
        self.app.store().seed_runs(job_id, count, now)
    }

    /// Every future run of `job_id` follows `script`.
    pub fn script_job(&self, job_id: i64, script: JobScript) {
        self.app.store().scripts.insert(job_id, script);
    }

    /// The next run of `job_id` follows `script` (queued one-shot scripts come before `script_job`'s).
    pub fn script_next_run(&self, job_id: i64, script: JobScript) {
        self.app
            .store()
            .next_scripts
            .entry(job_id)
            .or_default()
            .push_back(script);
    }

    /// The current status code of a run (None if unknown).
    pub fn run_status(&self, run_id: i64) -> Option<i64> {
        let now = self.app.clock.now_ms();
        let store = self.app.store();
        store
            .runs
            .get(&run_id)
            .map(|r| routes::runs::snapshot_of(r, now).status)
    }

    /// Ids of all runs, ascending.
    pub fn run_ids(&self) -> Vec<i64> {
        self.app.store().runs.keys().copied().collect()
    }

    /// Adds a fault rule (rules are checked in the order added; the first that fires wins).
    pub fn inject_fault(&self, rule: FaultRule) {
        self.app.faults().rules.push(rule);
    }

    /// Removes all fault rules and stops hiding new runs.
    pub fn clear_faults(&self) {
        self.app.faults().rules.clear();
        self.app.store().hide_new_runs = 0;
    }

    /// How many times each rule has fired, in the order added.
    pub fn faults_fired(&self) -> Vec<u32> {
        self.app
            .faults()
            .rules
            .iter()
            .map(FaultRule::fired)
            .collect()
    }

    /// Runs created from now on answer 404 to their first `reads` getRun calls, as a freshly
    /// triggered run sometimes does on dbt.
    pub fn hide_new_runs(&self, reads: u32) {
        self.app.store().hide_new_runs = reads;
    }

    /// The recorded requests, oldest first (Authorization redacted), each with the answer the
    /// mock sent once it was complete.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.recorder.requests()
    }

    /// How many requests reached `operation` (including faulted ones).
    pub fn request_count(&self, operation: Operation) -> usize {
        self.app.recorder.count(operation)
    }

    /// All requests received, including unknown paths.
    pub fn total_requests(&self) -> usize {
        self.app.recorder.total()
    }

    pub fn clear_requests(&self) {
        self.app.recorder.clear();
    }

    /// Stops accepting, closes open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
