//! The standalone binary, driven as any client would drive it: started by PID on
//! 127.0.0.1:0, read from its first stdout lines, scripted from the command line, and
//! killed by PID. Its memory stays bounded through a long listing with recording off.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TOKEN: &str = "standalone-test-token";

/// A running `dbt-cloud-mock` process, killed by PID when dropped.
struct Standalone {
    child: Child,
    lines: Vec<(String, String)>,
    base: String,
}

impl Standalone {
    fn start(args: &[&str]) -> Standalone {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dbt-cloud-mock"))
            .args(["--addr", "127.0.0.1:0", "--token", TOKEN])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut reader = BufReader::new(stdout);
        let mut base = String::new();
        reader.read_line(&mut base).expect("first line");
        let mut lines = Vec::new();
        for _ in 0..5 {
            let mut line = String::new();
            reader.read_line(&mut line).expect("a start line");
            if let Some((k, v)) = line.trim().split_once('=') {
                lines.push((k.to_string(), v.to_string()));
            }
        }
        Standalone {
            child,
            lines,
            base: base.trim().to_string(),
        }
    }

    fn line(&self, key: &str) -> &str {
        self.lines
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key}= line in {:?}", self.lines))
    }

    /// Resident memory of the process, in KiB (Linux /proc).
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client
        .get(url)
        .header("Authorization", format!("Token {TOKEN}"))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn start_lines_name_the_bases_and_hide_the_token() {
    let mock = Standalone::start(&[]);
    assert!(mock.base.starts_with("http://127.0.0.1:"), "{}", mock.base);
    assert_eq!(mock.line("account_id"), "43");
    assert_eq!(mock.line("job_ids"), "401,402,403,404");
    assert_eq!(mock.line("v2_base"), format!("{}/api/v2", mock.base));
    assert_eq!(mock.line("v3_base"), format!("{}/api/v3", mock.base));
    assert!(!mock.line("token_hint").contains(TOKEN));
}

/// `--script` makes a job's runs fail with a message and `--fault` scripts an operation's
/// answers, so a test in any language can arrange both.
#[tokio::test]
async fn scripts_and_faults_come_from_the_command_line() {
    let mock = Standalone::start(&[
        "--time-scale",
        "1000",
        "--script",
        "402=error:Compilation Error in model stg_orders",
        "--fault",
        "getAccount=status:503,times=2",
    ]);
    let client = client();
    let account = format!("{}/accounts/43/", mock.line("v2_base"));
    for _ in 0..2 {
        assert_eq!(get_json(&client, &account).await.0, 503);
    }
    assert_eq!(get_json(&client, &account).await.0, 200);
    let trigger = client
        .post(format!(
            "{}/accounts/43/jobs/402/run/",
            mock.line("v2_base")
        ))
        .header("Authorization", format!("Token {TOKEN}"))
        .json(&serde_json::json!({"cause": "standalone"}))
        .send()
        .await
        .unwrap();
    let run: Value = trigger.json().await.unwrap();
    let id = run["data"]["id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let finished = loop {
        let (_, body) = get_json(
            &client,
            &format!("{}/accounts/43/runs/{id}/", mock.line("v2_base")),
        )
        .await;
        if body["data"]["is_complete"] == Value::Bool(true) {
            break body;
        }
        assert!(Instant::now() < deadline, "the run did not finish: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(finished["data"]["status"], 20);
    assert_eq!(
        finished["data"]["status_message"],
        "Compilation Error in model stg_orders"
    );
}

#[test]
fn a_bad_script_or_fault_stops_the_binary_with_a_message_naming_it() {
    for (flag, value, expected) in [
        (
            "--fault",
            "getRuns=status:503",
            "unknown operation \"getRuns\"",
        ),
        ("--script", "402=exploded", "exploded"),
        ("--script", "999=error", "job 999"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_dbt-cloud-mock"))
            .args(["--addr", "127.0.0.1:0", flag, value])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{flag} {value}: {stderr}");
    }
}

/// 20,000 seeded runs listed page by page, twice: with recording off (the default), resident
/// memory after the second pass stays within 32 MiB of what it was after the first, where a
/// recorder keeping every answer (~250 KB a page, 200 pages) would grow by ~50 MB.
#[tokio::test]
async fn memory_stays_bounded_through_a_long_listing() {
    let mock = Standalone::start(&["--seed-runs", "20000"]);
    let client = client();
    let runs = format!("{}/accounts/43/runs/", mock.line("v2_base"));
    let pass = async || {
        let mut seen = 0;
        let mut offset = 0;
        loop {
            let (status, body) =
                get_json(&client, &format!("{runs}?offset={offset}&limit=100")).await;
            assert_eq!(status, 200);
            let count = body["data"].as_array().unwrap().len();
            if count == 0 {
                break;
            }
            assert_eq!(body["extra"]["pagination"]["total_count"], 20_000);
            seen += count;
            offset += count;
        }
        seen
    };
    assert_eq!(pass().await, 20_000);
    let warmed = mock.rss_kib();
    assert_eq!(pass().await, 20_000);
    let after = mock.rss_kib();
    let grown = after.saturating_sub(warmed);
    println!("standalone RSS: {warmed} KiB after one pass, {after} KiB after two (+{grown} KiB)");
    assert!(
        grown < 32 * 1024,
        "RSS grew by {grown} KiB over a pass of 200 pages"
    );
}
