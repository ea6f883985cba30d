//! Configuration: every variable, malformed values named in the error, the loopback rule.

use std::collections::HashMap;
use std::time::Duration;

use dbt_cloud_api::{AuthScheme, Config, ConfigError};

fn from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

fn invalid_name(result: Result<Config, ConfigError>) -> String {
    match result {
        Err(ConfigError::Invalid { name, .. }) => name,
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn each_token_variable_is_accepted_in_precedence_order() {
    for var in [
        "DBT_CLOUD_API_TOKEN",
        "DBT_CLOUD_API_KEY",
        "DBT_CLOUD_SERVICE_TOKEN",
        "DBT_CLOUD_TOKEN",
    ] {
        let config = from(&[(var, "tok-1")]).unwrap();
        assert_eq!(config.token().expose(), "tok-1", "{var}");
    }
    let config = from(&[
        ("DBT_CLOUD_TOKEN", "terraform"),
        ("DBT_CLOUD_API_TOKEN", "cli"),
    ])
    .unwrap();
    assert_eq!(config.token().expose(), "cli");
}

#[test]
fn missing_or_empty_token_names_the_variables() {
    let e = from(&[("DBT_CLOUD_ACCOUNT_ID", "1")]).unwrap_err();
    assert_eq!(e, ConfigError::MissingToken);
    assert!(e.to_string().contains("DBT_CLOUD_API_TOKEN"));
    assert_eq!(
        from(&[("DBT_CLOUD_API_TOKEN", "  ")]).unwrap_err(),
        ConfigError::MissingToken
    );
}

#[test]
fn malformed_token_is_rejected_without_echoing_it() {
    let e = from(&[("DBT_CLOUD_API_KEY", "abc def-secretpart")]).unwrap_err();
    assert_eq!(invalid_name(Err(e.clone())), "DBT_CLOUD_API_KEY");
    assert!(!e.to_string().contains("secretpart"));
    assert!(!format!("{e:?}").contains("secretpart"));
}

#[test]
fn pasted_scheme_prefix_is_stripped() {
    assert_eq!(
        from(&[("DBT_CLOUD_API_TOKEN", "Token abc")])
            .unwrap()
            .token()
            .expose(),
        "abc"
    );
    assert_eq!(
        from(&[("DBT_CLOUD_API_TOKEN", "Bearer abc\n")])
            .unwrap()
            .token()
            .expose(),
        "abc"
    );
}

#[test]
fn account_id_is_parsed_and_malformed_values_name_the_variable() {
    let config = from(&[
        ("DBT_CLOUD_API_TOKEN", "t"),
        ("DBT_CLOUD_ACCOUNT_ID", " 43 "),
    ])
    .unwrap();
    assert_eq!(config.account_id(), Some(43));
    assert_eq!(
        from(&[("DBT_CLOUD_API_TOKEN", "t")]).unwrap().account_id(),
        None
    );
    for bad in ["abc", "-4", "0", "4.5", "12x"] {
        let name = invalid_name(from(&[
            ("DBT_CLOUD_API_TOKEN", "t"),
            ("DBT_CLOUD_ACCOUNT_ID", bad),
        ]));
        assert_eq!(name, "DBT_CLOUD_ACCOUNT_ID", "{bad}");
    }
}

#[test]
fn host_defaults_to_us_multi_tenant() {
    assert_eq!(
        from(&[("DBT_CLOUD_API_TOKEN", "t")]).unwrap().base_url(),
        "https://cloud.getdbt.com"
    );
}

#[test]
fn host_accepts_names_urls_regions_and_cells() {
    let cases = [
        ("emea.dbt.com", "https://emea.dbt.com"),
        ("ab123.us1.dbt.com", "https://ab123.us1.dbt.com"),
        ("https://au.dbt.com/", "https://au.dbt.com"),
        (
            "https://cloud.getdbt.com/api/v2",
            "https://cloud.getdbt.com",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9", "http://localhost:9"),
        ("http://[::1]:9", "http://[::1]:9"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443"),
    ];
    for (host, want) in cases {
        let config = from(&[("DBT_CLOUD_API_TOKEN", "t"), ("DBT_CLOUD_HOST", host)]).unwrap();
        assert_eq!(config.base_url(), want, "{host}");
    }
}

#[test]
fn terraform_host_url_is_accepted_and_host_wins() {
    let config = from(&[
        ("DBT_CLOUD_TOKEN", "t"),
        ("DBT_CLOUD_HOST_URL", "https://emea.dbt.com/api"),
    ])
    .unwrap();
    assert_eq!(config.base_url(), "https://emea.dbt.com");
    let both = from(&[
        ("DBT_CLOUD_TOKEN", "t"),
        ("DBT_CLOUD_HOST_URL", "https://emea.dbt.com/api"),
        ("DBT_CLOUD_HOST", "au.dbt.com"),
    ])
    .unwrap();
    assert_eq!(both.base_url(), "https://au.dbt.com");
}

#[test]
fn plain_http_is_refused_for_remote_hosts() {
    for host in [
        "http://cloud.getdbt.com",
        "http://10.0.0.1:80",
        "http://127.0.0.1.example.com",
    ] {
        let e = from(&[("DBT_CLOUD_API_TOKEN", "t"), ("DBT_CLOUD_HOST", host)]).unwrap_err();
        assert_eq!(invalid_name(Err(e.clone())), "DBT_CLOUD_HOST", "{host}");
        assert!(e.to_string().contains("loopback"), "{e}");
    }
    let e = from(&[
        ("DBT_CLOUD_API_TOKEN", "t"),
        ("DBT_CLOUD_HOST_URL", "http://cloud.getdbt.com/api"),
    ])
    .unwrap_err();
    assert_eq!(invalid_name(Err(e)), "DBT_CLOUD_HOST_URL");
}

#[test]
fn malformed_hosts_name_the_variable() {
    for host in [
        "https://",
        "ftp://cloud.getdbt.com",
        "cloud getdbt com",
        "https://u:p@cloud.getdbt.com",
        "https://x.com/?a=1",
    ] {
        let name = invalid_name(from(&[
            ("DBT_CLOUD_API_TOKEN", "t"),
            ("DBT_CLOUD_HOST", host),
        ]));
        assert_eq!(name, "DBT_CLOUD_HOST", "{host}");
    }
}

#[test]
fn a_dbt_cloud_page_url_in_the_host_says_what_to_set_instead() {
    let cases = [
        (
            "https://cloud.getdbt.com/deploy/12345/projects/678/jobs/9",
            "\"https://cloud.getdbt.com\"",
            Some("DBT_CLOUD_ACCOUNT_ID=12345"),
        ),
        (
            "ab123.us1.dbt.com/develop/12345/projects/1",
            "\"https://ab123.us1.dbt.com\"",
            Some("DBT_CLOUD_ACCOUNT_ID=12345"),
        ),
        (
            "https://emea.dbt.com/#/accounts/77/runs/1/",
            "\"https://emea.dbt.com\"",
            Some("DBT_CLOUD_ACCOUNT_ID=77"),
        ),
        (
            "https://cloud.getdbt.com/settings/profile",
            "\"https://cloud.getdbt.com\"",
            None,
        ),
        // A proxy's host with a page path.
        (
            "https://dbt.example.com/deploy/5/jobs/1",
            "\"https://dbt.example.com\"",
            Some("DBT_CLOUD_ACCOUNT_ID=5"),
        ),
    ];
    for (raw, origin, account) in cases {
        let error = from(&[("DBT_CLOUD_API_TOKEN", "t"), ("DBT_CLOUD_HOST", raw)]).unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("DBT_CLOUD_HOST is invalid"),
            "{raw}: {text}"
        );
        assert!(
            text.contains("page copied from the browser"),
            "{raw}: {text}"
        );
        assert!(
            text.contains(&format!("set DBT_CLOUD_HOST to {origin}")),
            "{raw}: {text}"
        );
        match account {
            Some(account) => assert!(text.contains(account), "{raw}: {text}"),
            None => assert!(!text.contains("DBT_CLOUD_ACCOUNT_ID="), "{raw}: {text}"),
        }
    }
    let website = from(&[
        ("DBT_CLOUD_API_TOKEN", "t"),
        ("DBT_CLOUD_HOST", "www.getdbt.com"),
    ])
    .unwrap_err()
    .to_string();
    assert!(website.contains("dbt's website"), "{website}");
    // API URLs and proxy prefixes stay accepted.
    for ok in [
        "https://cloud.getdbt.com/api/v2/",
        "https://proxy.example.com/dbt/api",
        "cloud.getdbt.com/",
    ] {
        assert!(
            from(&[("DBT_CLOUD_API_TOKEN", "t"), ("DBT_CLOUD_HOST", ok)]).is_ok(),
            "{ok}"
        );
    }
}

#[test]
fn scheme_timeout_and_ca_bundle_variables() {
    let config = from(&[
        ("DBT_CLOUD_API_TOKEN", "t"),
        ("DBT_CLOUD_AUTH_SCHEME", "Bearer"),
        ("DBT_CLOUD_TIMEOUT_SECONDS", "2.5"),
    ])
    .unwrap();
    assert_eq!(config.scheme(), AuthScheme::Bearer);
    assert_eq!(config.timeout(), Duration::from_millis(2500));
    assert_eq!(
        from(&[("DBT_CLOUD_API_TOKEN", "t")]).unwrap().scheme(),
        AuthScheme::Token
    );
    let bad =
        |var: &str, value: &str| invalid_name(from(&[("DBT_CLOUD_API_TOKEN", "t"), (var, value)]));
    assert_eq!(
        bad("DBT_CLOUD_AUTH_SCHEME", "basic"),
        "DBT_CLOUD_AUTH_SCHEME"
    );
    assert_eq!(
        bad("DBT_CLOUD_TIMEOUT_SECONDS", "-1"),
        "DBT_CLOUD_TIMEOUT_SECONDS"
    );
    assert_eq!(
        bad("DBT_CLOUD_TIMEOUT_SECONDS", "soon"),
        "DBT_CLOUD_TIMEOUT_SECONDS"
    );
    assert_eq!(
        bad("DBT_CLOUD_CA_BUNDLE", "/nonexistent/ca.pem"),
        "DBT_CLOUD_CA_BUNDLE"
    );
}

#[test]
fn root_certificates_must_be_pem() {
    let e = Config::builder()
        .token("t")
        .root_certificates_pem(b"not a certificate".to_vec())
        .build()
        .unwrap_err();
    assert!(
        matches!(e, ConfigError::Invalid { ref name, .. } if name == "root certificates"),
        "{e:?}"
    );
}

#[test]
fn builder_requires_a_token_and_checks_values() {
    assert_eq!(
        Config::builder().build().unwrap_err(),
        ConfigError::MissingToken
    );
    assert!(Config::builder().token("t").account_id(0).build().is_err());
    assert!(
        Config::builder()
            .token("t")
            .timeout(Duration::ZERO)
            .build()
            .is_err()
    );
    let config = Config::builder()
        .token("t")
        .user_agent("my-orchestrator/1.0")
        .build()
        .unwrap();
    assert_eq!(config.user_agent(), "my-orchestrator/1.0");
}

#[tokio::test]
async fn the_token_and_scheme_reach_the_server() {
    let mock = dbt_cloud_mock::MockDbtCloud::builder()
        .token("sent-token")
        .start()
        .await
        .unwrap();
    for scheme in [AuthScheme::Token, AuthScheme::Bearer] {
        let dbt = Config::builder()
            .token("sent-token")
            .scheme(scheme)
            .host(mock.base_url())
            .account_id(mock.account_id())
            .build()
            .unwrap()
            .client()
            .unwrap();
        let accounts = dbt.collect_all(dbt.list_accounts()).await.unwrap();
        assert!(!accounts.is_empty(), "{scheme:?}");
    }
    // A wrong token gets dbt's 401 with its user_message, not retried.
    let wrong = Config::builder()
        .token("wrong")
        .host(mock.base_url())
        .account_id(mock.account_id())
        .build()
        .unwrap();
    let e = wrong.client().unwrap().fetch_run(1).await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert!(!e.is_retryable());
    assert!(e.user_message().is_some_and(|m| !m.is_empty()), "{e}");
}
