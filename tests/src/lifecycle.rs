//! The run state machine: Queued(1) -> Starting(2) -> Running(3) -> Success(10) | Error(20) |
//! Cancelled(30). A run stores its plan (how long each phase and step takes, how it ends) and
//! its state at any instant is computed from the clock, which keeps reads cheap and lets a
//! test jump to any point by advancing the clock.

use std::time::Duration;

pub const QUEUED: i64 = 1;
pub const STARTING: i64 = 2;
pub const RUNNING: i64 = 3;
pub const SUCCESS: i64 = 10;
pub const ERROR: i64 = 20;
pub const CANCELLED: i64 = 30;

/// dbt's `status_humanized` for a status code.
pub fn humanize(status: i64) -> &'static str {
    match status {
        QUEUED => "Queued",
        STARTING => "Starting",
        RUNNING => "Running",
        SUCCESS => "Success",
        ERROR => "Error",
        CANCELLED => "Cancelled",
        _ => "Unknown",
    }
}

/// How a scripted run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// A dbt step fails (by default the last command step); later steps do not run.
    Error,
    /// The run is cancelled by dbt itself at the end (e.g. a timeout), status 30.
    Cancelled,
}

/// How the runs of a job behave: outcome, phase durations, steps, docs. Unset fields come from
/// the job (its `execute_steps` and `generate_docs`) and the defaults below.
#[derive(Clone, Debug)]
pub struct JobScript {
    pub outcome: Outcome,
    /// Time spent Queued (default 2 s).
    pub queued: Duration,
    /// Time spent Starting (default 3 s).
    pub starting: Duration,
    /// Time each step takes while Running (default 5 s).
    pub step_duration: Duration,
    /// dbt commands to run instead of the job's `execute_steps`.
    pub commands: Option<Vec<String>>,
    /// Whether `dbt docs generate` runs as the last step (default: the job's `generate_docs`).
    pub generate_docs: Option<bool>,
    /// 1-based index among the dbt command steps that fails when the outcome is Error
    /// (default: the last command).
    pub failing_command: Option<usize>,
    /// The run's `status_message` when it errors or is cancelled by dbt (default: a database
    /// error in model `orders`, or dbt's timeout message).
    pub status_message: Option<String>,
}

impl Default for JobScript {
    fn default() -> Self {
        JobScript {
            outcome: Outcome::Success,
            queued: Duration::from_secs(2),
            starting: Duration::from_secs(3),
            step_duration: Duration::from_secs(5),
            commands: None,
            generate_docs: None,
            failing_command: None,
            status_message: None,
        }
    }
}

impl JobScript {
    pub fn success() -> Self {
        Self::default()
    }

    /// The `status_message` a failed (or dbt-cancelled) run reports.
    pub fn message(mut self, text: impl Into<String>) -> Self {
        self.status_message = Some(text.into());
        self
    }

    pub fn error() -> Self {
        JobScript {
            outcome: Outcome::Error,
            ..Self::default()
        }
    }

    pub fn cancelled() -> Self {
        JobScript {
            outcome: Outcome::Cancelled,
            ..Self::default()
        }
    }

    pub fn queued_for(mut self, d: Duration) -> Self {
        self.queued = d;
        self
    }

    pub fn starting_for(mut self, d: Duration) -> Self {
        self.starting = d;
        self
    }

    pub fn step_duration(mut self, d: Duration) -> Self {
        self.step_duration = d;
        self
    }

    pub fn commands<I, S>(mut self, commands: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.commands = Some(commands.into_iter().map(Into::into).collect());
        self
    }

    pub fn docs(mut self, generate: bool) -> Self {
        self.generate_docs = Some(generate);
        self
    }

    pub fn failing_command(mut self, index: usize) -> Self {
        self.failing_command = Some(index);
        self
    }
}

/// What a step does when it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Clone, profile creation: no artifacts.
    Setup,
    /// `dbt deps`: runs dbt but writes no node results.
    Deps,
    /// A dbt command that writes manifest.json and run_results.json (`build`, `run`, ...).
    Command(String),
    /// `dbt docs generate`: also writes catalog.json.
    Docs,
}

#[derive(Clone, Debug)]
pub struct StepPlan {
    pub name: String,
    pub kind: StepKind,
    pub duration_ms: i64,
    /// True for the step that fails an Error run.
    pub fails: bool,
}

/// Everything decided when the run is created.
#[derive(Clone, Debug)]
pub struct RunPlan {
    pub queued_ms: i64,
    pub starting_ms: i64,
    /// Only the steps that will execute (steps after a failing one are dropped).
    pub steps: Vec<StepPlan>,
    pub outcome: Outcome,
    /// The scripted `status_message` of a failed or dbt-cancelled run.
    pub status_message: Option<String>,
}

impl RunPlan {
    /// Builds the steps dbt Cloud shows for a job: clone, profile, deps, each command, docs.
    pub fn from_script(script: &JobScript, job_commands: &[String], job_docs: bool) -> Self {
        let commands = script
            .commands
            .clone()
            .unwrap_or_else(|| job_commands.to_vec());
        let docs = script.generate_docs.unwrap_or(job_docs);
        let step_ms = script.step_duration.as_millis() as i64;
        let step = |name: String, kind: StepKind| StepPlan {
            name,
            kind,
            duration_ms: step_ms,
            fails: false,
        };
        let mut steps = vec![
            step("Clone git repository".into(), StepKind::Setup),
            step(
                "Create profile from connection Demo Warehouse".into(),
                StepKind::Setup,
            ),
            step("Invoke dbt with `dbt deps`".into(), StepKind::Deps),
        ];
        let first_command = steps.len();
        for command in &commands {
            let sub = command.trim().trim_start_matches("dbt ").trim().to_string();
            steps.push(step(
                format!("Invoke dbt with `{}`", command.trim()),
                StepKind::Command(sub),
            ));
        }
        if docs {
            steps.push(step(
                "Invoke dbt with `dbt docs generate`".into(),
                StepKind::Docs,
            ));
        }
        if script.outcome == Outcome::Error {
            // The failing step is a command (or the last step when there are no commands).
            let index = match (commands.len(), script.failing_command) {
                (0, _) => steps.len() - 1,
                (n, Some(i)) => first_command + i.clamp(1, n) - 1,
                (n, None) => first_command + n - 1,
            };
            steps.truncate(index + 1);
            if let Some(failing) = steps.last_mut() {
                failing.fails = true;
            }
        }
        RunPlan {
            queued_ms: script.queued.as_millis() as i64,
            starting_ms: script.starting.as_millis() as i64,
            steps,
            outcome: script.outcome,
            status_message: script.status_message.clone(),
        }
    }

    pub fn running_ms(&self) -> i64 {
        self.steps.iter().map(|s| s.duration_ms).sum()
    }
}

/// A run's position in its lifecycle at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub status: i64,
    pub dequeued_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// How many steps have started (they are listed in run_steps).
    pub steps_started: usize,
}

impl Snapshot {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, SUCCESS | ERROR | CANCELLED)
    }
}

/// Computes a run's state at `now` from its creation time, plan and cancellation.
pub fn snapshot(created_ms: i64, plan: &RunPlan, cancelled_at: Option<i64>, now: i64) -> Snapshot {
    let dequeued = created_ms + plan.queued_ms;
    let started = dequeued + plan.starting_ms;
    let finished = started + plan.running_ms();
    // Cancellation freezes the run at the instant it was cancelled.
    let (at, cancelled) = match cancelled_at {
        Some(c) if c <= now => (c, true),
        _ => (now, false),
    };
    let steps_started = if at < started {
        0
    } else {
        let mut begin = started;
        let mut count = 0;
        for step in &plan.steps {
            if at >= begin {
                count += 1;
            }
            begin += step.duration_ms;
        }
        count
    };
    let mut snap = Snapshot {
        status: QUEUED,
        dequeued_at: (at >= dequeued).then_some(dequeued),
        started_at: (at >= started).then_some(started),
        finished_at: None,
        steps_started,
    };
    snap.status = if at < dequeued {
        QUEUED
    } else if at < started {
        STARTING
    } else if at < finished {
        RUNNING
    } else {
        snap.finished_at = Some(finished);
        match plan.outcome {
            Outcome::Success => SUCCESS,
            Outcome::Error => ERROR,
            Outcome::Cancelled => CANCELLED,
        }
    };
    if cancelled && at < finished {
        snap.status = CANCELLED;
        snap.finished_at = Some(at);
    }
    snap
}

/// One started step at one instant.
#[derive(Clone, Debug)]
pub struct StepState<'a> {
    /// 1-based, as dbt's `index` and the artifact `step` parameter.
    pub index: usize,
    pub plan: &'a StepPlan,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: i64,
}

/// The steps that have started by the snapshot's instant, with their status.
pub fn step_states<'a>(plan: &'a RunPlan, snap: &Snapshot) -> Vec<StepState<'a>> {
    let Some(mut begin) = snap.started_at else {
        return Vec::new();
    };
    let frozen_at = snap.finished_at;
    let mut out = Vec::new();
    for (i, step) in plan.steps.iter().enumerate().take(snap.steps_started) {
        let end = begin + step.duration_ms;
        let done = frozen_at.is_some_and(|f| end <= f);
        let (status, finished_at) = if done {
            let last = i + 1 == plan.steps.len();
            let status = if step.fails {
                ERROR
            } else if last && plan.outcome == Outcome::Cancelled {
                CANCELLED
            } else {
                SUCCESS
            };
            (status, Some(end))
        } else if let Some(f) = frozen_at {
            // The run ended (cancelled) while this step was running.
            (CANCELLED, Some(f))
        } else {
            (RUNNING, None)
        };
        out.push(StepState {
            index: i + 1,
            plan: step,
            started_at: begin,
            finished_at,
            status,
        });
        begin = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(outcome: Outcome) -> RunPlan {
        let script = JobScript {
            outcome,
            ..JobScript::default()
        };
        RunPlan::from_script(&script, &["dbt build".to_string()], false)
    }

    #[test]
    fn a_run_moves_through_the_states_on_the_clock() {
        let p = plan(Outcome::Success);
        assert_eq!(snapshot(0, &p, None, 0).status, QUEUED);
        assert_eq!(snapshot(0, &p, None, 2_000).status, STARTING);
        assert_eq!(snapshot(0, &p, None, 5_000).status, RUNNING);
        let end = 5_000 + p.running_ms();
        assert_eq!(snapshot(0, &p, None, end - 1).status, RUNNING);
        let done = snapshot(0, &p, None, end);
        assert_eq!((done.status, done.finished_at), (SUCCESS, Some(end)));
    }

    #[test]
    fn an_error_run_stops_at_the_failing_command() {
        let script = JobScript::error()
            .commands(["dbt seed", "dbt run", "dbt test"])
            .failing_command(2);
        let p = RunPlan::from_script(&script, &[], true);
        let names: Vec<_> = p.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.last(), Some(&"Invoke dbt with `dbt run`"));
        assert!(p.steps.last().is_some_and(|s| s.fails));
    }

    #[test]
    fn cancelling_freezes_the_run() {
        let p = plan(Outcome::Success);
        let snap = snapshot(0, &p, Some(6_000), 100_000);
        assert_eq!((snap.status, snap.finished_at), (CANCELLED, Some(6_000)));
    }
}
