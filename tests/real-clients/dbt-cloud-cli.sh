#!/usr/bin/env bash
# Runs the real, unmodified dbt-cloud-cli (from PyPI) against the standalone mock over HTTPS:
#   `dbt-cloud job run --wait`, then `dbt-cloud run get-artifact --path run_results.json`,
# and checks both succeed and the artifact is byte-for-byte what the mock serves.
#
# Usage: tests/real-clients/dbt-cloud-cli.sh [REPO_ROOT]
# Needs: cargo, python3 with venv, network access to PyPI. Talks to the mock on 127.0.0.1 only.
#
# What dbt-cloud-cli 0.9.x sends (read from its source, dbt_cloud/command/...):
#   POST https://$DBT_CLOUD_HOST/api/v2/accounts/{a}/jobs/{j}/run/  (JSON with every field, nulls included,
#        plus account_id and job_id), header `Authorization: Token <t>`
#   GET  .../api/v2/accounts/{a}/runs/{r}        (no trailing slash: the mock redirects like dbt), every 5 s
#   GET  .../api/v2/accounts/{a}/runs/{r}/artifacts/run_results.json   (step omitted: last step)
set -euo pipefail

REPO_ROOT="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
TOKEN="mock-cli-token-$$"
# Demo fixtures: job 402 ("Hourly run": dbt run, dbt test) in account 43.
JOB_ID=402

WORK="$(mktemp -d)"
MOCK_PID=""
cleanup() {
    if [[ -n "$MOCK_PID" ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "dbt-cloud-cli.sh: FAIL: $*" >&2; exit 1; }

echo "== building the mock"
(cd "$REPO_ROOT" && cargo build --quiet -p dbt-cloud-mock --bin dbt-cloud-mock)
BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/dbt-cloud-mock"
[[ -x "$BIN" ]] || fail "mock binary not found at $BIN"

echo "== starting the mock (HTTPS, self-signed, port chosen by the OS)"
# Time runs 20x faster so the run finishes between the CLI's 5-second polls.
"$BIN" --addr 127.0.0.1:0 --token "$TOKEN" --tls-self-signed "$WORK/mock-ca.pem" --time-scale 20 \
    >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 1 100); do
    [[ -s "$WORK/mock.out" ]] && grep -q '^account_id=' "$WORK/mock.out" && break
    kill -0 "$MOCK_PID" 2>/dev/null || { cat "$WORK/mock.err" >&2; fail "the mock exited"; }
    sleep 0.1
done
BASE_URL="$(head -n 1 "$WORK/mock.out")"
ACCOUNT_ID="$(sed -n 's/^account_id=//p' "$WORK/mock.out")"
[[ "$BASE_URL" == https://127.0.0.1:* ]] || fail "unexpected URL line: $BASE_URL"
HOST="${BASE_URL#https://}"
echo "   mock at $BASE_URL (pid $MOCK_PID), account $ACCOUNT_ID, job $JOB_ID"

echo "== installing dbt-cloud-cli from PyPI into a virtualenv"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check dbt-cloud-cli
"$WORK/venv/bin/pip" show dbt-cloud-cli | sed -n 's/^Version: /   dbt-cloud-cli /p'

export DBT_CLOUD_HOST="$HOST"
export DBT_CLOUD_API_TOKEN="$TOKEN"
export DBT_CLOUD_ACCOUNT_ID="$ACCOUNT_ID"
export DBT_CLOUD_JOB_ID="$JOB_ID"
export REQUESTS_CA_BUNDLE="$WORK/mock-ca.pem"
export SSL_CERT_FILE="$WORK/mock-ca.pem"
unset DBT_CLOUD_READONLY
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"

echo "== dbt-cloud job run --wait"
"$WORK/venv/bin/dbt-cloud" job run --wait --cause "dbt-cloud-cli against dbt-cloud-mock" --file "$WORK/run.json" \
    || fail "dbt-cloud job run --wait exited with $?"
RUN_ID="$("$WORK/venv/bin/python" - "$WORK/run.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
run = body["data"]
assert body["status"]["is_success"] is True, body["status"]
assert run["status"] == 10, f"run status {run['status']}"
print(run["id"])
PY
)" || fail "the run did not end in Success"
echo "   run $RUN_ID succeeded"

echo "== dbt-cloud run get-artifact --path run_results.json"
"$WORK/venv/bin/dbt-cloud" run get-artifact --run-id "$RUN_ID" --path run_results.json --file "$WORK/run_results.json" \
    || fail "dbt-cloud run get-artifact exited with $?"
curl --silent --show-error --fail --cacert "$WORK/mock-ca.pem" -H "Authorization: Token $TOKEN" \
    "$BASE_URL/api/v2/accounts/$ACCOUNT_ID/runs/$RUN_ID/artifacts/run_results.json" -o "$WORK/expected.json" \
    || fail "fetching the artifact from the mock directly"
cmp -s "$WORK/run_results.json" "$WORK/expected.json" || fail "the CLI's artifact differs from the mock's"
"$WORK/venv/bin/python" - "$WORK/run_results.json" <<'PY' || fail "run_results.json is not the mock's run results"
import json, sys
results = json.load(open(sys.argv[1]))
assert "run-results" in results["metadata"]["dbt_schema_version"]
assert results["results"], "no node results"
assert all(r["unique_id"] and r["status"] for r in results["results"])
print(f"   run_results.json: {len(results['results'])} node results")
PY

echo "dbt-cloud-cli.sh: OK (job run --wait and run get-artifact succeeded against the mock)"
