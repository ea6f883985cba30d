//! A canary token must never leak: not in Debug of the config or client, not in any error's
//! Display or Debug, not in tracing output (captured at TRACE level, every crate included).
//! The same for the secrets of configuration: credential passwords and keys, service-token
//! values, `DBT_ENV_SECRET_*` values and webhook secrets, which the generated bodies hold as
//! `SecretString`s.

mod common;
mod hostile;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{bounded, client_for, trigger_options, wait_options};
use dbt_cloud_api::{Config, Error};
use dbt_cloud_mock::{Fault, FaultRule, MockDbtCloud, demo_ids};
use hostile::{Reply, serve};

const CANARY: &str = "CANARY-7f3e9a1c-token-do-not-leak";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "the token leaked into {what}: {text}"
    );
}

fn check_error(what: &str, e: &Error) {
    assert_clean(&format!("{what} Display"), &e.to_string());
    assert_clean(&format!("{what} Debug"), &format!("{e:?}"));
    assert_clean(&format!("{what} alternate Debug"), &format!("{e:#?}"));
}

#[test]
fn config_and_client_debug_are_redacted() {
    let config = Config::builder()
        .token(CANARY)
        .host("http://127.0.0.1:9")
        .account_id(1)
        .build()
        .unwrap();
    assert_clean("Config Debug", &format!("{config:?} {config:#?}"));
    let dbt = config.client().unwrap();
    assert_clean("DbtCloud Debug", &format!("{dbt:?} {dbt:#?}"));
    assert_clean("Client Debug", &format!("{:?}", dbt.raw()));
    assert_clean("SecretToken Debug", &format!("{:?}", config.token()));
    // A malformed token: the error names the setting, not the value.
    let e = Config::builder()
        .token(format!("{CANARY} x"))
        .build()
        .unwrap_err();
    assert_clean("ConfigError", &format!("{e} {e:?}"));
}

/// Captures everything traced on this thread, every level and crate included.
fn capture() -> (Buffer, tracing::subscriber::DefaultGuard) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

/// A server echoing the token back in every place a server's text can reach an error: dbt's
/// `user_message`, a non-JSON body (error and success), a value the decoder quotes, a
/// redirect `Location` (path, query, credentials; same origin and cross-origin).
#[tokio::test]
async fn a_server_echoing_the_token_never_gets_it_into_errors_or_traces() {
    let (buffer, guard) = capture();
    bounded("echoing server", async {
        let other = serve(|_, _| Reply::envelope(200, serde_json::json!({"id": 1}))).await;
        let other_port = other.port;
        let echo = serve(move |seen, _| {
            let case = seen.path.split('/').nth(6).unwrap_or("");
            let with_token = |s: &str| s.replace("TOKEN", CANARY);
            match case {
                "1" => Reply::envelope(400, serde_json::Value::Null).json(serde_json::json!({
                    "status": {"code": 400, "is_success": false,
                               "user_message": with_token("bad token TOKEN"), "developer_message": with_token("TOKEN")},
                    "data": null,
                })),
                "2" => Reply::new(500).body(with_token("<html><title>oops TOKEN</title></html>")),
                "3" => Reply::new(502).body(with_token("proxy says TOKEN")),
                "4" => Reply::new(200).body(with_token("not json TOKEN")),
                "5" => Reply::envelope(200, serde_json::json!({"id": with_token("TOKEN")})),
                "6" => Reply::new(302).header(
                    "location",
                    &with_token(&format!("http://TOKEN:TOKEN@127.0.0.1:{other_port}/TOKEN/?t=TOKEN")),
                ),
                "7" => Reply::new(307).header("location", &with_token("/api/v2/accounts/1/runs/TOKEN/")),
                "8" => Reply::new(401).header("www-authenticate", &with_token("Token TOKEN")).body(with_token("TOKEN")),
                "9" => Reply::new(429).header("retry-after", &with_token("TOKEN")).body(with_token("slow down TOKEN")),
                "10" => Reply::new(308).header("location", &with_token("/api/v2/accounts/1/hangup/TOKEN/")),
                _ if seen.path.contains("/hangup/") => Reply::new(0),
                _ => Reply::new(404).body(with_token("no page for TOKEN")),
            }
        })
        .await;
        let dbt = client_for(&echo.base_url(), CANARY, 1, Duration::from_millis(500));
        let mut errors = 0;
        for run_id in 1..=10 {
            match dbt.fetch_run(run_id).await {
                Ok(run) => panic!("case {run_id} succeeded: {run:?}"),
                Err(e) => {
                    check_error(&format!("case {run_id}"), &e);
                    let kind = match &e {
                        Error::Api { status, .. } => status.as_u16().to_string(),
                        Error::Decode { .. } => "decode".to_string(),
                        Error::RedirectRefused { .. } => "redirect".to_string(),
                        Error::Transport { .. } => "transport".to_string(),
                        other => format!("{other:?}"),
                    };
                    let expected = [
                        "400", "500", "502", "decode", "decode", "redirect", "404", "401", "429",
                        "transport",
                    ][run_id as usize - 1];
                    assert_eq!(kind, expected, "case {run_id}: {e}");
                    errors += 1;
                }
            }
            // The same through `?` on the raw builder.
            if let Err(e) = dbt.get_run().account_id(1).run_id(run_id).send().await {
                check_error(&format!("case {run_id} raw"), &Error::from(e));
            }
        }
        assert_eq!(errors, 10);
        assert!(other.seen().is_empty(), "the token's request went elsewhere");
    })
    .await;
    drop(guard);
    let captured = String::from_utf8_lossy(&buffer.0.lock().unwrap()).to_string();
    assert!(
        captured.contains("dbt_cloud.request"),
        "spans were captured"
    );
    assert_clean("tracing output", &captured);
}

// Single-threaded, so the thread-local subscriber sees every task, the mock's included.
#[tokio::test]
async fn errors_and_tracing_never_carry_the_token() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    bounded("canary scenarios", async {
        let mock = MockDbtCloud::builder()
            .token(CANARY)
            .real_time(200.0)
            .start()
            .await
            .unwrap();
        let dbt = client_for(
            &mock.base_url(),
            CANARY,
            mock.account_id(),
            Duration::from_millis(300),
        );

        // Success paths, traced.
        let run = dbt
            .trigger_and_wait(demo_ids::DAILY_JOB, trigger_options(), wait_options())
            .await
            .unwrap();
        dbt.collect_all(dbt.list_jobs().account_id(mock.account_id()))
            .await
            .unwrap();
        dbt.artifact_bytes(run.id, "manifest.json", None)
            .await
            .unwrap();

        // Every fault, as persistent errors.
        let faults = [
            Fault::Status(500),
            Fault::Status(401),
            Fault::HtmlPage(502),
            Fault::DjangoDetail {
                status: 403,
                detail: "no".into(),
            },
            Fault::CloseBeforeResponse,
            Fault::TruncatedBody,
            Fault::Latency(Duration::from_millis(400)),
            Fault::RateLimited {
                retry_after_secs: 0,
            },
        ];
        for fault in faults {
            mock.clear_faults();
            mock.inject_fault(FaultRule::any(fault.clone()));
            if let Err(e) = dbt.fetch_run(run.id).await {
                check_error(&format!("{fault:?} get_run"), &e);
            }
            if let Err(e) = dbt.artifact_bytes(run.id, "run_results.json", None).await {
                check_error(&format!("{fault:?} artifact"), &e);
            }
            if let Err(e) = dbt
                .trigger_run(
                    demo_ids::DAILY_JOB,
                    trigger_options().settle(Duration::from_millis(50)),
                )
                .await
            {
                check_error(&format!("{fault:?} trigger"), &e);
            }
        }
        mock.clear_faults();
        // A wrong token against the mock: the 401 error holds neither token.
        let wrong = client_for(
            &mock.base_url(),
            "wrong-token",
            mock.account_id(),
            Duration::from_secs(1),
        );
        check_error("401", &wrong.fetch_run(run.id).await.unwrap_err());
        // A failed run's error.
        mock.script_job(demo_ids::HOURLY_JOB, dbt_cloud_mock::JobScript::error());
        let failed = dbt
            .trigger_and_wait(demo_ids::HOURLY_JOB, trigger_options(), wait_options())
            .await
            .unwrap_err();
        assert!(matches!(failed, Error::RunFailed { .. }), "{failed:?}");
        check_error("RunFailed", &failed);
    })
    .await;

    let captured = String::from_utf8_lossy(&buffer.0.lock().unwrap()).to_string();
    assert!(
        captured.contains("dbt_cloud.request"),
        "the request spans were captured"
    );
    assert!(
        captured.contains("operation=\"get_run\"") || captured.contains("operation=get_run"),
        "spans name the operation"
    );
    assert_clean("tracing output", &captured);
}

/// Values that must stay inside [`SecretString`]s: a password, a private key, a secret
/// environment variable's value.
const PASSWORD: &str = "CANARY-password-3b1d";
const PRIVATE_KEY: &str = "CANARY-private-key-88af";
const SECRET_VALUE: &str = "CANARY-env-secret-51c0";

fn assert_none_of(secrets: &[&str], what: &str, text: &str) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a secret leaked into {what}: {text}"
        );
    }
}

/// Decodes `json` into a generated type, checks its Debug is clean, and that it still sends
/// the secrets (the redaction is in printing only).
fn generated<T>(json: serde_json::Value) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let value: T = serde_json::from_value(json.clone()).unwrap();
    let shown = format!("{value:?} {value:#?}");
    assert_none_of(
        &[PASSWORD, PRIVATE_KEY, SECRET_VALUE, CANARY],
        std::any::type_name::<T>(),
        &shown,
    );
    assert_eq!(
        serde_json::to_value(&value).unwrap(),
        json,
        "the wire form is unchanged"
    );
    value
}

#[test]
fn generated_bodies_with_secrets_print_redacted() {
    use dbt_cloud_api::types;
    use serde_json::json;
    let _: types::CreateCredentialRequest = generated(json!({
        "type": "postgres", "username": "loader", "password": PASSWORD,
        "private_key": PRIVATE_KEY, "threads": 4,
    }));
    let _: types::ServiceToken = generated(json!({
        "id": 9, "name": "ci", "token_string": CANARY,
    }));
    let _: types::CreateEnvironmentVariableRequest = generated(json!({
        "name": "DBT_ENV_SECRET_PASSWORD", "type": "project", "raw_value": SECRET_VALUE,
    }));
    let _: types::BulkCreateEnvironmentVariablesRequest = generated(json!({
        "env_var": {"new_name": "DBT_ENV_SECRET_PASSWORD", "project": SECRET_VALUE, "Production": PASSWORD},
    }));
    let _: types::WebhookSubscription = generated(json!({
        "id": "wsu_1", "name": "hooks", "hmac_secret": CANARY,
    }));
    // The desired state of a secret variable prints redacted too.
    let spec = dbt_cloud_api::ensure::EnvironmentVariableSpec::new(1, "DBT_ENV_SECRET_PASSWORD")
        .project_default(SECRET_VALUE)
        .value_in("Production", PASSWORD);
    assert_none_of(
        &[PASSWORD, SECRET_VALUE],
        "EnvironmentVariableSpec Debug",
        &format!("{spec:?}"),
    );
}

/// What the mock puts at the start of every service-token value it generates.
const MOCK_TOKEN_PREFIX: &str = "dbtc_";

// Single-threaded, so the thread-local subscriber sees every task, the mock's included.
#[tokio::test]
async fn configuration_secrets_never_reach_errors_or_tracing() {
    use dbt_cloud_api::ensure::EnvironmentVariableSpec;
    use dbt_cloud_api::types;
    use serde_json::json;

    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let generated_secrets = bounded("configuration canary scenarios", async {
        let mock = MockDbtCloud::builder()
            .token(CANARY)
            .real_time(200.0)
            .start()
            .await
            .unwrap();
        let account = mock.account_id();
        let dbt = client_for(
            &mock.base_url(),
            CANARY,
            account,
            Duration::from_millis(300),
        );
        let credential = |n: usize| {
            serde_json::from_value::<types::CreateCredentialRequest>(json!({
                "type": "postgres", "username": format!("loader{n}"), "password": PASSWORD,
                "private_key": PRIVATE_KEY, "threads": 4,
            }))
            .unwrap()
        };
        let service_token = |n: usize| {
            serde_json::from_value::<types::CreateServiceTokenRequest>(
                json!({"name": format!("ci-{n}")}),
            )
            .unwrap()
        };
        let secret_variable = |n: usize| {
            EnvironmentVariableSpec::new(demo_ids::PROJECT, format!("DBT_ENV_SECRET_CANARY_{n}"))
                .project_default(SECRET_VALUE)
                .value_in("Production", PASSWORD)
        };

        // Success paths, traced; the secrets dbt generates come back once, as SecretStrings.
        let created = dbt
            .create_project_credential()
            .account_id(account)
            .project_id(demo_ids::PROJECT)
            .body(credential(0))
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_none_of(
            &[PASSWORD, PRIVATE_KEY],
            "credential answer",
            &format!("{created:?}"),
        );
        let token = dbt
            .create_service_token()
            .account_id(account)
            .body(service_token(0))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .and_then(|t| t.token_string)
            .expect("the creation answer carries the token value");
        assert!(token.expose().starts_with(MOCK_TOKEN_PREFIX));
        dbt.ensure(&secret_variable(0)).await.unwrap();
        let subscription =
            serde_json::from_value::<types::CreateWebhookSubscriptionRequest>(json!({
                "name": "canary hooks", "client_url": "http://127.0.0.1:9/hooks",
                "event_types": ["job.run.completed"], "job_ids": [], "active": false,
            }))
            .unwrap();
        let hmac_secret = dbt
            .create_webhook_subscription()
            .account_id(account)
            .body(subscription)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .and_then(|s| s.hmac_secret)
            .expect("the creation answer carries the signing secret");
        assert!(!hmac_secret.expose().is_empty());

        // Every fault on the same writes, as persistent errors.
        let faults = [
            Fault::Status(500),
            Fault::Status(400),
            Fault::HtmlPage(502),
            Fault::CloseAfterProcessing,
            Fault::StatusAfterProcessing(502),
            Fault::TruncatedBody,
            Fault::Latency(Duration::from_millis(400)),
        ];
        let mut errors = Vec::new();
        for (n, fault) in faults.into_iter().enumerate() {
            let n = n + 1;
            mock.clear_faults();
            mock.inject_fault(FaultRule::any(fault.clone()));
            let sent = dbt
                .create_project_credential()
                .account_id(account)
                .project_id(demo_ids::PROJECT)
                .body(credential(n))
                .send()
                .await;
            if let Err(e) = sent {
                errors.push((
                    format!("{fault:?} credential"),
                    Error::from_generated("create_project_credential", e).await,
                ));
            }
            let sent = dbt
                .create_service_token()
                .account_id(account)
                .body(service_token(n))
                .send()
                .await;
            if let Err(e) = sent {
                errors.push((
                    format!("{fault:?} service token"),
                    Error::from_generated("create_service_token", e).await,
                ));
            }
            if let Err(e) = dbt.ensure(&secret_variable(n)).await {
                errors.push((format!("{fault:?} secret variable"), e));
            }
        }
        mock.clear_faults();
        assert!(
            errors.len() >= 15,
            "the faults made errors: {}",
            errors.len()
        );
        let secrets = [
            CANARY,
            PASSWORD,
            PRIVATE_KEY,
            SECRET_VALUE,
            MOCK_TOKEN_PREFIX,
        ];
        for (what, e) in &errors {
            for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
                assert_none_of(&secrets, what, &shown);
            }
        }
        (token, hmac_secret)
    })
    .await;

    let captured = String::from_utf8_lossy(&buffer.0.lock().unwrap()).to_string();
    assert!(
        captured.contains("create_service_token"),
        "the configuration requests were traced"
    );
    let (token, hmac_secret) = generated_secrets;
    assert_none_of(
        &[
            CANARY,
            PASSWORD,
            PRIVATE_KEY,
            SECRET_VALUE,
            token.expose(),
            hmac_secret.expose(),
        ],
        "tracing output",
        &captured,
    );
}
