//! The retry policy as a specification: what is retried, how long it waits, when it stops.

use std::time::Duration;

use dbt_cloud_api::RetryPolicy;
use dbt_cloud_api::retry::{is_idempotent, is_retryable_status, retry_after};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(1))
        .with_max_elapsed(Duration::from_secs(10))
}

#[test]
fn only_transient_statuses_are_retryable() {
    for code in [408, 429, 500, 502, 503, 504] {
        assert!(
            is_retryable_status(StatusCode::from_u16(code).unwrap()),
            "{code}"
        );
    }
    for code in [200, 201, 301, 400, 401, 403, 404, 405, 409, 422, 501, 505] {
        assert!(
            !is_retryable_status(StatusCode::from_u16(code).unwrap()),
            "{code}"
        );
    }
}

#[test]
fn only_reads_and_cancel_are_idempotent() {
    assert!(is_idempotent(&Method::GET, "get_run"));
    assert!(is_idempotent(&Method::GET, "list_runs"));
    assert!(is_idempotent(&Method::POST, "cancel_run"));
    for op in ["trigger_job_run", "create_job", "rerun_job", "update_job"] {
        assert!(!is_idempotent(&Method::POST, op), "{op}");
    }
    assert!(!is_idempotent(&Method::DELETE, "delete_job"));
}

#[test]
fn full_jitter_spans_zero_to_the_doubling_ceiling() {
    let p = policy();
    assert_eq!(
        p.next_delay(1, Duration::ZERO, None, 0.0),
        Some(Duration::ZERO)
    );
    assert_eq!(
        p.next_delay(1, Duration::ZERO, None, 0.5),
        Some(Duration::from_millis(50))
    );
    assert_eq!(
        p.next_delay(2, Duration::ZERO, None, 0.5),
        Some(Duration::from_millis(100))
    );
    assert_eq!(
        p.next_delay(3, Duration::ZERO, None, 0.999).unwrap(),
        Duration::from_millis(400).mul_f64(0.999)
    );
    // The ceiling is capped by max_backoff.
    let capped = RetryPolicy::default()
        .with_max_attempts(50)
        .with_max_elapsed(Duration::from_secs(3600));
    assert!(capped.next_delay(40, Duration::ZERO, None, 0.999).unwrap() <= Duration::from_secs(30));
}

#[test]
fn random_jitter_stays_within_the_ceiling() {
    let p = policy();
    for _ in 0..1000 {
        let d = p.next_delay_random(2, Duration::ZERO, None).unwrap();
        assert!(d < Duration::from_millis(200), "{d:?}");
    }
}

#[test]
fn attempts_bound_the_retries() {
    let p = policy();
    assert!(p.next_delay(3, Duration::ZERO, None, 0.5).is_some());
    assert_eq!(p.next_delay(4, Duration::ZERO, None, 0.5), None);
    assert_eq!(
        RetryPolicy::none().next_delay(1, Duration::ZERO, None, 0.5),
        None
    );
}

#[test]
fn total_time_bounds_the_retries() {
    let p = policy();
    assert_eq!(p.next_delay(1, Duration::from_secs(10), None, 0.0), None);
    // A wait that would end past the budget is not started.
    assert_eq!(
        p.next_delay(1, Duration::from_millis(9990), None, 0.5),
        None
    );
    assert_eq!(
        p.next_delay(
            1,
            Duration::from_secs(1),
            Some(Duration::from_secs(30)),
            0.0
        ),
        None
    );
}

#[test]
fn retry_after_is_honoured_as_a_minimum() {
    let p = policy();
    assert_eq!(
        p.next_delay(1, Duration::ZERO, Some(Duration::from_secs(2)), 0.5),
        Some(Duration::from_secs(2))
    );
    assert_eq!(
        p.next_delay(3, Duration::ZERO, Some(Duration::from_millis(1)), 0.5),
        Some(Duration::from_millis(200))
    );
}

#[test]
fn retry_after_headers_are_parsed() {
    let mut h = HeaderMap::new();
    assert_eq!(retry_after(&h), None);
    h.insert("retry-after", HeaderValue::from_static("3"));
    assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    h.insert(
        "x-rate-limit-retry-after-seconds",
        HeaderValue::from_static("7"),
    );
    assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
    let mut only_dbt = HeaderMap::new();
    only_dbt.insert(
        "x-rate-limit-retry-after-seconds",
        HeaderValue::from_static("1.5"),
    );
    assert_eq!(retry_after(&only_dbt), Some(Duration::from_millis(1500)));
    let mut date = HeaderMap::new();
    let later = chrono::Utc::now() + chrono::Duration::seconds(30);
    date.insert(
        "retry-after",
        HeaderValue::from_str(&later.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).unwrap(),
    );
    let parsed = retry_after(&date).unwrap();
    assert!(
        parsed > Duration::from_secs(25) && parsed <= Duration::from_secs(30),
        "{parsed:?}"
    );
    let mut junk = HeaderMap::new();
    junk.insert("retry-after", HeaderValue::from_static("soon"));
    assert_eq!(retry_after(&junk), None);
}

#[test]
fn hostile_delay_values_never_panic_and_are_capped() {
    use dbt_cloud_api::retry::MAX_SERVER_DELAY;
    let parse = |name: &'static str, value: &str| {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        retry_after(&h)
    };
    for name in ["retry-after", "x-rate-limit-retry-after-seconds"] {
        for huge in ["999999999999", "1e308", "inf", "18446744073709551616"] {
            assert_eq!(parse(name, huge), Some(MAX_SERVER_DELAY), "{name}: {huge}");
        }
        for now in ["-5", "-1e308", "-inf", "0"] {
            assert_eq!(parse(name, now), Some(Duration::ZERO), "{name}: {now}");
        }
        for junk in ["NaN", "soon", "", "1,5", "Tue, 99 Foo 2099"] {
            assert_eq!(parse(name, junk), None, "{name}: {junk:?}");
        }
    }
    // HTTP dates in the three forms, far in the future (capped) or in the past (now).
    for future in ["Tue, 01 Dec 2099 10:00:00 GMT", "Tue Dec  1 10:00:00 2099"] {
        assert_eq!(
            parse("retry-after", future),
            Some(MAX_SERVER_DELAY),
            "{future}"
        );
    }
    // RFC 850's two-digit year 99 is 1999.
    for past in [
        "Sat, 01 Jan 2000 00:00:00 GMT",
        "Wednesday, 01-Dec-99 10:00:00 GMT",
        "Wed Dec  1 10:00:00 1999",
    ] {
        assert_eq!(parse("retry-after", past), Some(Duration::ZERO), "{past}");
    }
}

#[test]
fn no_wait_exceeds_the_policy_maximum() {
    let p = policy()
        .with_max_delay(Duration::from_millis(300))
        .with_max_elapsed(Duration::from_secs(3600));
    assert_eq!(
        p.next_delay(1, Duration::ZERO, Some(Duration::from_secs(86_400)), 0.5),
        Some(Duration::from_millis(300))
    );
    assert_eq!(
        p.cap_server_delay(Duration::MAX),
        Duration::from_millis(300)
    );
    // Backoff is capped too, even when max_backoff is larger.
    let p = p.with_max_backoff(Duration::from_secs(100));
    for attempt in 1..4 {
        let d = p.next_delay(attempt, Duration::ZERO, None, 0.999).unwrap();
        assert!(d <= Duration::from_millis(300), "{d:?}");
    }
}
