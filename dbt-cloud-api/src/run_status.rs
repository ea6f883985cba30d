//! The status of a run as a Rust enum.
//!
//! The spec keeps `Run.status` a plain integer on purpose: dbt adds status codes without
//! notice, and a generated enum would make every response carrying a new code fail to decode.
//! This enum gives the known codes names and keeps unknown ones instead of failing.

use std::fmt;

/// What a run is doing, from dbt's numeric `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// 1: waiting for a run slot.
    Queued,
    /// 2: a worker is preparing the run.
    Starting,
    /// 3: executing.
    Running,
    /// 10: finished successfully.
    Success,
    /// 20: finished with an error.
    Error,
    /// 30: cancelled.
    Cancelled,
    /// A code this version does not know. Not terminal: waiting on it keeps polling, which is
    /// safer than declaring a run finished that may still be running.
    Unknown(i64),
}

impl RunStatus {
    /// dbt's numeric code.
    pub fn code(self) -> i64 {
        match self {
            RunStatus::Queued => 1,
            RunStatus::Starting => 2,
            RunStatus::Running => 3,
            RunStatus::Success => 10,
            RunStatus::Error => 20,
            RunStatus::Cancelled => 30,
            RunStatus::Unknown(code) => code,
        }
    }

    /// Whether the run has finished and will not change status again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Success | RunStatus::Error | RunStatus::Cancelled
        )
    }

    /// Whether the run finished successfully.
    pub fn is_success(self) -> bool {
        self == RunStatus::Success
    }
}

impl From<i64> for RunStatus {
    fn from(code: i64) -> Self {
        match code {
            1 => RunStatus::Queued,
            2 => RunStatus::Starting,
            3 => RunStatus::Running,
            10 => RunStatus::Success,
            20 => RunStatus::Error,
            30 => RunStatus::Cancelled,
            other => RunStatus::Unknown(other),
        }
    }
}

impl From<RunStatus> for i64 {
    fn from(status: RunStatus) -> Self {
        status.code()
    }
}

impl fmt::Display for RunStatus {
    /// The words dbt's `status_humanized` uses for the known codes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunStatus::Queued => f.write_str("Queued"),
            RunStatus::Starting => f.write_str("Starting"),
            RunStatus::Running => f.write_str("Running"),
            RunStatus::Success => f.write_str("Success"),
            RunStatus::Error => f.write_str("Error"),
            RunStatus::Cancelled => f.write_str("Cancelled"),
            RunStatus::Unknown(code) => write!(f, "Unknown status {code}"),
        }
    }
}

impl crate::types::Run {
    /// The run's status as a [`RunStatus`], or `None` when the response carried no status.
    pub fn run_status(&self) -> Option<RunStatus> {
        self.status.map(RunStatus::from)
    }
}

impl crate::types::RunStep {
    /// The step's status (same codes as a run's), or `None` when the response carried none.
    pub fn run_status(&self) -> Option<RunStatus> {
        self.status.map(RunStatus::from)
    }
}
