//! The in-memory state: resources as dbt-shaped JSON, runs as records whose status comes from
//! the clock (see `lifecycle`), and the per-job scripts that decide how new runs behave.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{Value, json};

use crate::fixtures::{self, Fixtures};
use crate::lifecycle::{JobScript, Outcome, RunPlan};

/// The resource collections that are plain JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Account,
    Project,
    Environment,
    Repository,
    Job,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::Project => "Project",
            Kind::Environment => "Environment",
            Kind::Repository => "Repository",
            Kind::Job => "Job",
        }
    }
}

/// One run. Its status, timestamps and steps are derived at read time from `plan` and the clock.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub id: i64,
    pub account_id: i64,
    pub project_id: i64,
    pub environment_id: i64,
    pub job_id: i64,
    pub trigger_id: i64,
    /// The trigger object (cause, cause_category, overrides).
    pub trigger: Value,
    pub created_ms: i64,
    pub plan: RunPlan,
    pub cancelled_at: Option<i64>,
    /// getRun answers 404 while this is above zero (dbt's eventual consistency after a trigger).
    pub hidden_reads: u32,
    pub git_branch: String,
    pub git_sha: String,
    pub dbt_version: String,
    pub retrying_run_id: Option<i64>,
    /// Id of the first run step; steps are numbered consecutively from it.
    pub first_step_id: i64,
}

#[derive(Default)]
pub(crate) struct Store {
    pub accounts: BTreeMap<i64, Value>,
    pub projects: BTreeMap<i64, Value>,
    pub environments: BTreeMap<i64, Value>,
    pub repositories: BTreeMap<i64, Value>,
    pub jobs: BTreeMap<i64, Value>,
    pub runs: BTreeMap<i64, Run>,
    /// The script every future run of a job follows.
    pub scripts: HashMap<i64, JobScript>,
    /// One-shot scripts consumed by the next runs of a job, before `scripts`.
    pub next_scripts: HashMap<i64, VecDeque<JobScript>>,
    /// New runs created by trigger/rerun start with this many hidden reads.
    pub hide_new_runs: u32,
    /// The configuration kinds of `resources` (connections, credentials, ...).
    pub records: crate::resources::Records,
    next_run_id: i64,
    next_job_id: i64,
    next_trigger_id: i64,
    next_step_id: i64,
}

fn id_of(value: &Value) -> i64 {
    value.get("id").and_then(Value::as_i64).unwrap_or_default()
}

fn int_field(value: &Value, key: &str) -> Option<i64> {
    value.get(key).and_then(Value::as_i64)
}

/// A deterministic 64-bit mix (splitmix64), for fake shas and execution times.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Store {
    pub(crate) fn from_fixtures(fx: &Fixtures) -> Self {
        let mut store = Store {
            next_run_id: 70_000_001,
            next_job_id: 1_000,
            next_trigger_id: 80_000_001,
            next_step_id: 90_000_001,
            ..Store::default()
        };
        for a in &fx.accounts {
            let id = id_of(a);
            store.accounts.insert(id, fixtures::account(a, id));
        }
        let first_account = store.accounts.keys().next().copied().unwrap_or(1);
        let account_of = |v: &Value| int_field(v, "account_id").unwrap_or(first_account);
        for p in &fx.projects {
            let id = id_of(p);
            store
                .projects
                .insert(id, fixtures::project(p, id, account_of(p)));
        }
        let first_project = store.projects.keys().next().copied().unwrap_or(1);
        let project_of = |v: &Value| int_field(v, "project_id").unwrap_or(first_project);
        for r in &fx.repositories {
            let id = id_of(r);
            store.repositories.insert(
                id,
                fixtures::repository(r, id, account_of(r), project_of(r)),
            );
        }
        for e in &fx.environments {
            let id = id_of(e);
            store.environments.insert(
                id,
                fixtures::environment(e, id, account_of(e), project_of(e)),
            );
        }
        let first_environment = store.environments.keys().next().copied().unwrap_or(1);
        for j in &fx.jobs {
            let id = id_of(j);
            let env = int_field(j, "environment_id").unwrap_or(first_environment);
            store
                .jobs
                .insert(id, fixtures::job(j, id, account_of(j), project_of(j), env));
            store.next_job_id = store.next_job_id.max(id + 1);
        }
        crate::resources::load_fixtures(&mut store, &fx.resources);
        store
    }

    pub(crate) fn collection(&self, kind: Kind) -> &BTreeMap<i64, Value> {
        match kind {
            Kind::Account => &self.accounts,
            Kind::Project => &self.projects,
            Kind::Environment => &self.environments,
            Kind::Repository => &self.repositories,
            Kind::Job => &self.jobs,
        }
    }

    /// A resource of `account_id` (a resource of another account is "not found", as on dbt).
    pub(crate) fn get(&self, kind: Kind, account_id: i64, id: i64) -> Option<&Value> {
        let item = self.collection(kind).get(&id)?;
        let owner = if kind == Kind::Account {
            id
        } else {
            int_field(item, "account_id")?
        };
        (owner == account_id).then_some(item)
    }

    pub(crate) fn has_account(&self, account_id: i64) -> bool {
        self.accounts.contains_key(&account_id)
    }

    pub(crate) fn allocate_job_id(&mut self) -> i64 {
        let id = self.next_job_id;
        self.next_job_id += 1;
        id
    }

    /// The script the next run of `job_id` follows (one-shot scripts first).
    fn take_script(&mut self, job_id: i64) -> JobScript {
        if let Some(queue) = self.next_scripts.get_mut(&job_id)
            && let Some(script) = queue.pop_front()
        {
            return script;
        }
        self.scripts.get(&job_id).cloned().unwrap_or_default()
    }

    /// Creates a run of `job_id` at `now` (the job must exist). Returns the run id.
    pub(crate) fn create_run(
        &mut self,
        job_id: i64,
        trigger: Value,
        now: i64,
        retrying_run_id: Option<i64>,
        hidden_reads: u32,
    ) -> Option<i64> {
        let job = self.jobs.get(&job_id)?.clone();
        let script = self.take_script(job_id);
        self.insert_run(&job, &script, trigger, now, retrying_run_id, hidden_reads)
    }

    fn insert_run(
        &mut self,
        job: &Value,
        script: &JobScript,
        mut trigger: Value,
        now: i64,
        retrying_run_id: Option<i64>,
        hidden_reads: u32,
    ) -> Option<i64> {
        let job_id = id_of(job);
        let environment_id = int_field(job, "environment_id")?;
        let commands: Vec<String> = job
            .get("execute_steps")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let docs = trigger
            .get("generate_docs_override")
            .and_then(Value::as_bool)
            .or_else(|| job.get("generate_docs").and_then(Value::as_bool))
            .unwrap_or(false);
        let mut script = script.clone();
        if let Some(steps) = trigger.get("steps_override").and_then(Value::as_array) {
            script.commands = Some(
                steps
                    .iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect(),
            );
        }
        let plan = RunPlan::from_script(&script, &commands, docs);
        let id = self.next_run_id;
        self.next_run_id += 1;
        let trigger_id = self.next_trigger_id;
        self.next_trigger_id += 1;
        let first_step_id = self.next_step_id;
        self.next_step_id += plan.steps.len() as i64;
        let environment = self.environments.get(&environment_id);
        let dbt_version = trigger
            .get("dbt_version_override")
            .and_then(Value::as_str)
            .or_else(|| job.get("dbt_version").and_then(Value::as_str))
            .or_else(|| {
                environment
                    .and_then(|e| e.get("dbt_version"))
                    .and_then(Value::as_str)
            })
            .unwrap_or("1.9.0-latest")
            .to_string();
        let git_branch = trigger
            .get("git_branch")
            .and_then(Value::as_str)
            .unwrap_or("main")
            .to_string();
        let git_sha = trigger
            .get("git_sha")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| {
                format!(
                    "{:016x}{:016x}{:08x}",
                    mix(id as u64),
                    mix(!(id as u64)),
                    id as u32
                )
            });
        if let Value::Object(map) = &mut trigger {
            map.insert("id".into(), json!(trigger_id));
            map.insert("job_definition_id".into(), json!(job_id));
            map.insert(
                "account_id".into(),
                job.get("account_id").cloned().unwrap_or(Value::Null),
            );
        }
        let run = Run {
            id,
            account_id: int_field(job, "account_id")?,
            project_id: int_field(job, "project_id")?,
            environment_id,
            job_id,
            trigger_id,
            trigger,
            created_ms: now,
            plan,
            cancelled_at: None,
            hidden_reads,
            git_branch,
            git_sha,
            dbt_version,
            retrying_run_id,
            first_step_id,
        };
        self.runs.insert(id, run);
        Some(id)
    }

    /// Creates `count` runs of `job_id` that finished before `now`, oldest first, one minute
    /// apart; every 7th errors and every 11th is cancelled, so status filters have matches.
    pub(crate) fn seed_runs(&mut self, job_id: i64, count: usize, now: i64) -> Vec<i64> {
        let Some(job) = self.jobs.get(&job_id).cloned() else {
            return Vec::new();
        };
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let outcome = if i % 11 == 10 {
                Outcome::Cancelled
            } else if i % 7 == 6 {
                Outcome::Error
            } else {
                Outcome::Success
            };
            let script = JobScript {
                outcome,
                ..JobScript::default()
            };
            // Leave an hour of margin so even the longest plan has finished by `now`.
            let created = now - 3_600_000 - (count - i) as i64 * 60_000;
            let trigger = json!({"cause": "Scheduled", "cause_category": "schedule"});
            if let Some(id) = self.insert_run(&job, &script, trigger, created, None, 0) {
                ids.push(id);
            }
        }
        ids
    }
}
