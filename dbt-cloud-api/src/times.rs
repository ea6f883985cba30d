//! Typed timestamps and durations for runs and run steps.
//!
//! The spec keeps dbt's timestamps and durations as strings because dbt writes them in more
//! than one form: run and step timestamps with a space (`2021-11-26 16:48:41.431645+00:00`),
//! other resources with `T`, and durations as `"00:00:12"` (older answers) or as seconds
//! (`"10.0"`). These accessors parse every form and answer `None` for a null, an empty string
//! or anything unreadable, so a strange value never fails a decode or a caller.
//!
//! ```
//! use dbt_cloud_api::types::Run;
//! use std::time::Duration;
//!
//! let run: Run = serde_json::from_value(serde_json::json!({
//!     "id": 1,
//!     "created_at": "2021-11-26 16:48:41.431645+00:00",
//!     "dequeued_at": "2021-11-26T16:48:44.431645Z",
//!     "queued_duration": "00:00:03",
//!     "run_duration": "10.0",
//! })).unwrap();
//! assert_eq!(run.created_at_utc().unwrap().to_rfc3339(), "2021-11-26T16:48:41.431645+00:00");
//! assert_eq!(run.queued_time(), Some(Duration::from_secs(3)));
//! assert_eq!(run.run_time(), Some(Duration::from_secs(10)));
//! assert_eq!(run.finished_at_utc(), None);
//! ```

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::types::{Run, RunStep};

/// The longest duration accepted (100 years): anything longer is junk, not a run.
const MAX_DURATION_SECS: f64 = 100.0 * 365.0 * 86_400.0;

/// Parses a dbt timestamp: RFC 3339 with `T` or a space between date and time, with an
/// offset (`+00:00`, `+0000`, `Z`) or without one (taken as UTC).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // Dates are ASCII, so byte 10 is the date/time separator when there is one.
    if text.len() < 19 || !text.is_char_boundary(10) {
        return None;
    }
    let normalized = match text.as_bytes()[10] {
        b' ' | b't' | b'T' => format!("{}T{}", &text[..10], text[11..].trim_start()),
        _ => return None,
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&normalized) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// Parses a dbt duration: seconds (`"10.0"`), `"HH:MM:SS[.ffffff]"`, or Python's
/// `"N day(s), H:MM:SS"`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (days, clock) = match text.split_once(',') {
        Some((days, clock)) => {
            let count = days
                .trim()
                .strip_suffix("days")
                .or_else(|| days.trim().strip_suffix("day"))?;
            (count.trim().parse::<u32>().ok()?, clock.trim())
        }
        None => (0, text),
    };
    let secs = if clock.contains(':') {
        let mut parts = clock.split(':');
        let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let hours = h.parse::<u32>().ok()?;
        let minutes = m.parse::<u32>().ok().filter(|m| *m < 60)?;
        let seconds = s.parse::<f64>().ok().filter(|s| (0.0..60.0).contains(s))?;
        f64::from(days) * 86_400.0 + f64::from(hours) * 3600.0 + f64::from(minutes) * 60.0 + seconds
    } else if days == 0 {
        clock.parse::<f64>().ok()?
    } else {
        return None;
    };
    (secs.is_finite() && (0.0..=MAX_DURATION_SECS).contains(&secs))
        .then(|| Duration::from_secs_f64(secs))
}

fn timestamp(field: &Option<String>) -> Option<DateTime<Utc>> {
    field.as_deref().and_then(parse_timestamp)
}

fn duration(field: &Option<String>) -> Option<Duration> {
    field.as_deref().and_then(parse_duration)
}

/// `to - from`, when both are known and in that order.
fn between(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<Duration> {
    (to? - from?).to_std().ok()
}

impl Run {
    /// When the run was created (triggered).
    pub fn created_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.created_at)
    }

    /// When a worker took the run off the queue.
    pub fn dequeued_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.dequeued_at)
    }

    /// When the run started executing.
    pub fn started_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.started_at)
    }

    /// When the run finished.
    pub fn finished_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.finished_at)
    }

    /// When dbt last updated the run.
    pub fn updated_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.updated_at)
    }

    /// From creation to the end (or to now, for a run in progress): dbt's `duration`, else
    /// `finished_at - created_at`.
    pub fn total_time(&self) -> Option<Duration> {
        duration(&self.duration).or_else(|| between(self.created_at_utc(), self.finished_at_utc()))
    }

    /// Time spent waiting in the queue: dbt's `queued_duration`, else
    /// `dequeued_at - created_at`.
    pub fn queued_time(&self) -> Option<Duration> {
        duration(&self.queued_duration)
            .or_else(|| between(self.created_at_utc(), self.dequeued_at_utc()))
    }

    /// Time spent executing: dbt's `run_duration`, else `finished_at - started_at`.
    pub fn run_time(&self) -> Option<Duration> {
        duration(&self.run_duration)
            .or_else(|| between(self.started_at_utc(), self.finished_at_utc()))
    }
}

impl RunStep {
    /// When the step started.
    pub fn started_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.started_at)
    }

    /// When the step finished.
    pub fn finished_at_utc(&self) -> Option<DateTime<Utc>> {
        timestamp(&self.finished_at)
    }

    /// How long the step took: dbt's `duration`, else `finished_at - started_at`.
    pub fn step_time(&self) -> Option<Duration> {
        duration(&self.duration).or_else(|| between(self.started_at_utc(), self.finished_at_utc()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_form_dbt_writes() {
        let want = "2021-11-26T16:48:41.431645+00:00";
        for form in [
            "2021-11-26 16:48:41.431645+00:00",
            "2021-11-26T16:48:41.431645+00:00",
            "2021-11-26T16:48:41.431645Z",
            "2021-11-26 16:48:41.431645+0000",
            "2021-11-26 16:48:41.431645",
            " 2021-11-26T18:48:41.431645+02:00 ",
        ] {
            let parsed = parse_timestamp(form).map(|t| t.to_rfc3339());
            assert_eq!(parsed.as_deref(), Some(want), "{form:?}");
        }
        for junk in [
            "",
            "yesterday",
            "2021-11-26",
            "2021-11-26X16:48:41",
            "2021-13-26 16:48:41",
            "é2021-11-26 16:48:41",
        ] {
            assert_eq!(parse_timestamp(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn durations_in_every_form_dbt_writes() {
        assert_eq!(parse_duration("00:00:12"), Some(Duration::from_secs(12)));
        assert_eq!(parse_duration("1:02:03"), Some(Duration::from_secs(3723)));
        assert_eq!(
            parse_duration("0:00:01.500000"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_duration("2 days, 0:00:01"),
            Some(Duration::from_secs(172_801))
        );
        assert_eq!(parse_duration("10.0"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for junk in [
            "",
            "-1",
            "NaN",
            "inf",
            "1e308",
            "00:61:00",
            "1:2:3:4",
            "a:b:c",
            "3 weeks, 0:00:00",
        ] {
            assert_eq!(parse_duration(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn run_accessors_fall_back_to_timestamps_and_tolerate_nulls() {
        let run: Run = serde_json::from_value(serde_json::json!({
            "id": 1,
            "created_at": "2024-06-01 12:00:00.000000+00:00",
            "dequeued_at": "2024-06-01 12:00:05.000000+00:00",
            "started_at": "2024-06-01 12:00:06.000000+00:00",
            "finished_at": "2024-06-01 12:01:06.000000+00:00",
            "duration": null,
            "queued_duration": "junk",
        }))
        .unwrap();
        assert_eq!(run.queued_time(), Some(Duration::from_secs(5)));
        assert_eq!(run.run_time(), Some(Duration::from_secs(60)));
        assert_eq!(run.total_time(), Some(Duration::from_secs(66)));
        let empty: Run = serde_json::from_value(serde_json::json!({"id": 2})).unwrap();
        assert_eq!(empty.created_at_utc(), None);
        assert_eq!(empty.run_time(), None);
    }
}
