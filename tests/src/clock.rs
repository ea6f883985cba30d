//! The mock's notion of "now": a manual clock that tests advance explicitly, or real time
//! scaled by a factor so that real clients see runs progress quickly.
//!
//! Run states are derived from this clock when a run is read, so advancing the clock is all it
//! takes to move every run along; nothing runs in the background.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// 2024-06-01T12:00:00Z: where a manual clock starts, so timestamps in tests are reproducible.
pub const MANUAL_CLOCK_START_MS: i64 = 1_717_243_200_000;

/// A shared handle to the clock (cheap to clone).
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Mode>,
}

#[derive(Debug)]
enum Mode {
    Manual {
        now_ms: AtomicI64,
    },
    Scaled {
        origin_ms: i64,
        started: Instant,
        scale: f64,
    },
}

impl Clock {
    /// A clock that only moves when [`Clock::advance`] is called (starts at 2024-06-01 12:00 UTC).
    pub fn manual() -> Self {
        Clock {
            inner: Arc::new(Mode::Manual {
                now_ms: AtomicI64::new(MANUAL_CLOCK_START_MS),
            }),
        }
    }

    /// Real time from the current wall-clock time, running `scale` times faster (1.0 = real).
    pub fn real_time(scale: f64) -> Self {
        let origin_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(MANUAL_CLOCK_START_MS);
        // A non-positive or NaN scale would freeze or reverse time; fall back to real time.
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Clock {
            inner: Arc::new(Mode::Scaled {
                origin_ms,
                started: Instant::now(),
                scale,
            }),
        }
    }

    /// Milliseconds since the Unix epoch, in mock time.
    pub fn now_ms(&self) -> i64 {
        match &*self.inner {
            Mode::Manual { now_ms } => now_ms.load(Ordering::SeqCst),
            Mode::Scaled {
                origin_ms,
                started,
                scale,
            } => origin_ms + (started.elapsed().as_secs_f64() * 1000.0 * scale) as i64,
        }
    }

    /// Moves a manual clock forward. Returns false (and does nothing) on a real-time clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &*self.inner {
            Mode::Manual { now_ms } => {
                now_ms.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
                true
            }
            Mode::Scaled { .. } => false,
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(&*self.inner, Mode::Manual { .. })
    }
}
