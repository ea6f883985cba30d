//! HTTPS with a self-signed certificate for 127.0.0.1, trusted by the client as a root.

mod common;

use dbt_cloud_mock::{MockDbtCloud, Tls, demo_ids};
use serde_json::{Value, json};

#[tokio::test]
async fn https_with_a_generated_certificate_works_when_the_client_trusts_it() {
    let mock = MockDbtCloud::builder()
        .token(common::TOKEN)
        .tls(Tls::SelfSigned)
        .start()
        .await
        .unwrap();
    assert!(mock.base_url().starts_with("https://127.0.0.1:"));
    let pem = mock.certificate_pem().expect("a certificate").to_string();
    let root = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let trusting = reqwest::Client::builder()
        .tls_certs_only([root])
        .no_proxy()
        .build()
        .unwrap();
    let response = trusting
        .get(format!(
            "{}/api/v2/accounts/{}/jobs/{}/",
            mock.base_url(),
            demo_ids::ACCOUNT,
            demo_ids::DAILY_JOB
        ))
        .header("Authorization", format!("Token {}", common::TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["id"], json!(demo_ids::DAILY_JOB));
    // A client that does not trust the certificate is refused.
    let untrusting = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        untrusting
            .get(format!("{}/api/v2/accounts/", mock.base_url()))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_given_certificate_and_key_are_used() {
    let bad = MockDbtCloud::builder()
        .tls(Tls::Pem {
            cert_chain: "not a pem".into(),
            private_key: "nope".into(),
        })
        .start()
        .await;
    assert!(bad.unwrap_err().to_string().contains("TLS"));
}
