//! The state every request handler shares: store, clock, faults, recorder, token, quirks.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::clock::Clock;
use crate::faults::FaultBook;
use crate::recorder::Recorder;
use crate::server::Limits;
use crate::store::Store;

/// Real-world quirks of dbt's answers. All on by default, because clients must survive them.
#[derive(Clone, Copy, Debug)]
pub struct Quirks {
    /// Run and step timestamps as `2021-11-26 16:48:41.431645+00:00` (off: with `T`).
    pub space_separated_run_timestamps: bool,
    /// Fields dbt sends but its spec does not declare (off: only declared fields and nulls).
    pub undeclared_fields: bool,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            space_separated_run_timestamps: true,
            undeclared_fields: true,
        }
    }
}

pub(crate) struct App {
    store: Mutex<Store>,
    faults: Mutex<FaultBook>,
    pub clock: Clock,
    pub recorder: Recorder,
    pub token: String,
    pub quirks: Quirks,
    /// A fixed delay before every answer (None: answer at once).
    pub latency: Option<Duration>,
    /// Body size and read timeouts.
    pub limits: Limits,
}

pub(crate) type SharedApp = Arc<App>;

impl App {
    pub(crate) fn new(
        store: Store,
        clock: Clock,
        recorder: Recorder,
        token: String,
        quirks: Quirks,
    ) -> Self {
        App {
            store: Mutex::new(store),
            faults: Mutex::new(FaultBook::default()),
            clock,
            recorder,
            token,
            quirks,
            latency: None,
            limits: Limits::default(),
        }
    }

    pub(crate) fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub(crate) fn with_latency(mut self, latency: Option<Duration>) -> Self {
        self.latency = latency.filter(|d| !d.is_zero());
        self
    }

    // A poisoned lock only means some thread panicked while holding it (a test assertion in a
    // seeding closure, say); the data is still consistent, so keep serving.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultBook> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }
}
