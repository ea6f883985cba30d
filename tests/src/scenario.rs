//! Scripted outcomes and faults as data, so the standalone server (and a test in any
//! language driving it) can make a job fail or an operation misbehave: from a JSON file
//! (`--scenario FILE`) or command-line flags (`--script`, `--fault`), both read here.
//!
//! ```json
//! {"jobs":   [{"job_id": 401, "outcome": "error", "message": "Database Error in model x"},
//!             {"job_id": 402, "outcome": "success", "queued_secs": 3600}],
//!  "faults": [{"operation": "getRun", "fault": "status:503", "times": 2},
//!             {"operation": "triggerJobRun", "fault": "close-after", "probability": 0.1, "seed": 7}]}
//! ```
//!
//! Faults: `status:CODE`, `status-after:CODE`, `rate-limit:SECS`, `latency-ms:MS`,
//! `close-before`, `close-after`, `truncate`, `html:CODE`, `detail:CODE:TEXT`.
//! `operation` is an operationId (`getRun`) or `*` / absent for every request.

use std::time::Duration;

use serde::Deserialize;

use crate::faults::{Fault, FaultRule};
use crate::lifecycle::JobScript;
use crate::operation::Operation;
use crate::{MockServer, Outcome};

/// How some jobs' runs end and which faults fire.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub jobs: Vec<JobOutcome>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
}

/// Every run of `job_id` ends with `outcome`, reporting `message` when it fails.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobOutcome {
    pub job_id: i64,
    /// `success`, `error` or `cancelled`.
    pub outcome: String,
    #[serde(default)]
    pub message: Option<String>,
    /// How long each run stays Queued, in seconds of the mock's clock (default 2), so a
    /// client has time to act on a run before it moves (to cancel it, say).
    #[serde(default)]
    pub queued_secs: Option<f64>,
}

/// One fault rule: what goes wrong, on which operation, how often.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub operation: Option<String>,
    pub fault: String,
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(default)]
    pub after: Option<u32>,
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(default)]
    pub seed: Option<u64>,
}

impl Scenario {
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario = serde_json::from_str(text).map_err(|e| e.to_string())?;
        // Check everything now, so a typo fails at start rather than when a request comes.
        for job in &scenario.jobs {
            job.script()?;
        }
        for fault in &scenario.faults {
            fault.rule()?;
        }
        Ok(scenario)
    }

    /// Applies the scripts and faults to a running mock (an unknown job is an error).
    pub fn apply(&self, server: &MockServer) -> Result<(), String> {
        let jobs = server.job_ids();
        for job in &self.jobs {
            if !jobs.contains(&job.job_id) {
                return Err(format!(
                    "the scenario scripts job {}, which the fixtures do not have (jobs: {jobs:?})",
                    job.job_id
                ));
            }
            server.script_job(job.job_id, job.script()?);
        }
        for fault in &self.faults {
            server.inject_fault(fault.rule()?);
        }
        Ok(())
    }
}

impl JobOutcome {
    /// `JOB=OUTCOME` or `JOB=OUTCOME:MESSAGE` (the `--script` flag).
    pub fn parse_flag(flag: &str) -> Result<JobOutcome, String> {
        let (job, rest) = flag
            .split_once('=')
            .ok_or_else(|| format!("--script {flag:?}: expected JOB=OUTCOME[:MESSAGE]"))?;
        let job_id = job
            .trim()
            .parse()
            .map_err(|_| format!("--script {flag:?}: {job:?} is not a job id"))?;
        let (outcome, message) = match rest.split_once(':') {
            Some((o, m)) => (o, Some(m.to_string())),
            None => (rest, None),
        };
        let parsed = JobOutcome {
            job_id,
            outcome: outcome.trim().to_string(),
            message,
            queued_secs: None,
        };
        parsed
            .script()
            .map_err(|e| format!("--script {flag:?}: {e}"))?;
        Ok(parsed)
    }

    pub fn script(&self) -> Result<JobScript, String> {
        let script = match self.outcome.as_str() {
            "success" => JobScript::success(),
            "error" => JobScript::error(),
            "cancelled" => JobScript::cancelled(),
            other => {
                return Err(format!(
                    "job {}: outcome {other:?} is not one of success, error, cancelled",
                    self.job_id
                ));
            }
        };
        let script = match &self.message {
            Some(m) if script.outcome != Outcome::Success => script.message(m.clone()),
            _ => script,
        };
        Ok(match self.queued_secs {
            None => script,
            Some(secs) if secs.is_finite() && (0.0..1e9).contains(&secs) => {
                script.queued_for(Duration::from_secs_f64(secs))
            }
            Some(secs) => {
                return Err(format!(
                    "job {}: queued_secs {secs} is not a number of seconds",
                    self.job_id
                ));
            }
        })
    }
}

impl FaultSpec {
    /// `OPERATION=FAULT[,times=N][,after=N][,p=P][,seed=S]` (the `--fault` flag).
    pub fn parse_flag(flag: &str) -> Result<FaultSpec, String> {
        let (operation, rest) = flag.split_once('=').ok_or_else(|| {
            format!("--fault {flag:?}: expected OPERATION=FAULT[,times=N][,after=N][,p=P][,seed=S]")
        })?;
        let mut parts = rest.split(',');
        let mut spec = FaultSpec {
            operation: Some(operation.trim().to_string()),
            fault: parts.next().unwrap_or_default().trim().to_string(),
            times: None,
            after: None,
            probability: None,
            seed: None,
        };
        for option in parts {
            let (key, value) = option
                .split_once('=')
                .ok_or_else(|| format!("--fault {flag:?}: {option:?} is not KEY=VALUE"))?;
            let bad = |what: &str| format!("--fault {flag:?}: {key}={value:?} is not {what}");
            match key.trim() {
                "times" => spec.times = Some(value.parse().map_err(|_| bad("a count"))?),
                "after" => spec.after = Some(value.parse().map_err(|_| bad("a count"))?),
                "p" | "probability" => {
                    spec.probability = Some(value.parse().map_err(|_| bad("a number"))?)
                }
                "seed" => spec.seed = Some(value.parse().map_err(|_| bad("an integer"))?),
                other => {
                    return Err(format!(
                        "--fault {flag:?}: unknown option {other:?} (times, after, p, seed)"
                    ));
                }
            }
        }
        spec.rule().map_err(|e| format!("--fault {flag:?}: {e}"))?;
        Ok(spec)
    }

    pub fn rule(&self) -> Result<FaultRule, String> {
        let fault = parse_fault(&self.fault)?;
        let mut rule = match self.operation.as_deref().map(str::trim) {
            None | Some("*") | Some("") => FaultRule::any(fault),
            Some(name) => {
                let operation = Operation::ALL
                    .into_iter()
                    .find(|op| op.id() == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = Operation::ALL.iter().map(|op| op.id()).collect();
                        format!("unknown operation {name:?} (known: {})", known.join(", "))
                    })?;
                FaultRule::on(operation, fault)
            }
        };
        if let Some(n) = self.times {
            rule = rule.times(n);
        }
        if let Some(n) = self.after {
            rule = rule.after(n);
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("probability {p} is not between 0 and 1"));
            }
            rule = rule.probability(p, self.seed.unwrap_or(1));
        }
        Ok(rule)
    }
}

/// A fault from its text form (see the module docs).
fn parse_fault(text: &str) -> Result<Fault, String> {
    let mut parts = text.trim().splitn(3, ':');
    let kind = parts.next().unwrap_or_default();
    let arg = parts.next();
    let rest = parts.next();
    let number = |what: &str| -> Result<u64, String> {
        arg.and_then(|a| a.trim().parse().ok())
            .ok_or_else(|| format!("fault {text:?}: {kind} needs {what}, as {kind}:N"))
    };
    let status = || -> Result<u16, String> {
        let code = number("an HTTP status")?;
        u16::try_from(code)
            .ok()
            .filter(|c| (100..=599).contains(c))
            .ok_or_else(|| format!("fault {text:?}: {code} is not an HTTP status"))
    };
    Ok(match kind {
        "status" => Fault::Status(status()?),
        "status-after" => Fault::StatusAfterProcessing(status()?),
        "rate-limit" => Fault::RateLimited {
            retry_after_secs: number("seconds")?,
        },
        "latency-ms" => Fault::Latency(Duration::from_millis(number("milliseconds")?)),
        "close-before" => Fault::CloseBeforeResponse,
        "close-after" => Fault::CloseAfterProcessing,
        "truncate" => Fault::TruncatedBody,
        "html" => Fault::HtmlPage(status()?),
        "detail" => Fault::DjangoDetail {
            status: status()?,
            detail: rest.unwrap_or("Not found.").to_string(),
        },
        other => {
            return Err(format!(
                "unknown fault {other:?} (status, status-after, rate-limit, latency-ms, close-before, close-after, truncate, html, detail)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_json_describe_the_same_rules_and_typos_are_named() {
        let flag = FaultSpec::parse_flag("getRun=status:503,times=2,after=1").unwrap();
        assert_eq!(flag.operation.as_deref(), Some("getRun"));
        assert_eq!(flag.times, Some(2));
        assert!(
            matches!(parse_fault("detail:403:nope"), Ok(Fault::DjangoDetail { status: 403, ref detail }) if detail == "nope")
        );
        let err = FaultSpec::parse_flag("getRuns=status:503").unwrap_err();
        assert!(err.contains("unknown operation \"getRuns\""), "{err}");
        let err = FaultSpec::parse_flag("getRun=status:999").unwrap_err();
        assert!(err.contains("999 is not an HTTP status"), "{err}");
        let err = FaultSpec::parse_flag("*=close-after,p=2").unwrap_err();
        assert!(err.contains("probability 2"), "{err}");
        let job = JobOutcome::parse_flag("401=error:Boom: in model x").unwrap();
        assert_eq!(
            job.script().unwrap().status_message.as_deref(),
            Some("Boom: in model x")
        );
        assert!(
            JobOutcome::parse_flag("401=exploded")
                .unwrap_err()
                .contains("exploded")
        );
        let err = Scenario::from_json(r#"{"jobs": [], "fualts": []}"#).unwrap_err();
        assert!(err.contains("fualts"), "{err}");
        let ok = Scenario::from_json(r#"{"faults": [{"fault": "truncate", "operation": "*"}]}"#);
        assert!(ok.is_ok());
        let slow = Scenario::from_json(
            r#"{"jobs": [{"job_id": 1, "outcome": "success", "queued_secs": 60}]}"#,
        )
        .unwrap();
        assert_eq!(
            slow.jobs[0].script().unwrap().queued,
            Duration::from_secs(60)
        );
        let err = Scenario::from_json(
            r#"{"jobs": [{"job_id": 1, "outcome": "success", "queued_secs": -1}]}"#,
        )
        .unwrap_err();
        assert!(err.contains("queued_secs -1"), "{err}");
    }
}
