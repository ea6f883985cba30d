#!/usr/bin/env bash
# dbt-cloud-cli (PyPI, pinned, unmodified) against the standalone mock over HTTPS: accounts,
# projects, environments, jobs (list, get with include_related, create, delete, delete-all),
# job run --wait, runs (filtered list, get, cancel), artifacts (list, get byte-for-byte).
# Prints one line per step and `N passed, M failed`; exits non-zero on any failure.
#
# dbt-cloud-cli sends some paths without the trailing slash (`DELETE .../jobs/{id}`,
# `GET .../runs/{id}`): the mock answers 308 like dbt, and requests repeats the request.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN="mock-cli-token-$$"
# Install first: the mock's CA (exported by start_mock) must not be what pip trusts.
echo "== dbt-cloud-cli: installing requirements/dbt-cloud-cli.txt"
make_venv dbt-cloud-cli
echo "== dbt-cloud-cli: starting the mock"
# Runs 20x faster, so a run finishes between the CLI's 5-second polls; job 401's runs stay
# queued for an hour of the mock's clock, so the run to cancel is still running when cancelled.
echo '{"jobs": [{"job_id": 401, "outcome": "success", "queued_secs": 3600}]}' >"$WORK/scenario.json"
start_mock "$TOKEN" --time-scale 20 --scenario "$WORK/scenario.json"
export DBT_CLOUD_HOST="$HOST" DBT_CLOUD_API_TOKEN="$TOKEN" DBT_CLOUD_ACCOUNT_ID="$ACCOUNT_ID"
unset DBT_CLOUD_READONLY DBT_CLOUD_JOB_ID
CLI="$VENV/bin/dbt-cloud"
PY="$VENV/bin/python"
OUT="$WORK/out.json"
PASSED=0
FAILED=0

# step NAME CHECK COMMAND...: runs COMMAND (its JSON output in $OUT), then the Python
# expression CHECK on `body` (the parsed output); passes when both succeed.
step() {
    local name="$1" check="$2"
    shift 2
    local why=""
    if ! "$@" >"$OUT" 2>"$WORK/err.txt"; then
        why="the command failed: $(tail -n 1 "$WORK/err.txt")"
    elif ! why="$("$PY" - "$OUT" "$check" 2>&1 <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
if not eval(sys.argv[2], {"body": body}):
    sys.exit(f"check failed: {sys.argv[2]}; got {json.dumps(body)[:300]}")
PY
)"; then
        why="${why##*$'\n'}"
        [[ -n "$why" ]] || why="check failed: $check"
    else
        why=""
    fi
    if [[ -z "$why" ]]; then
        PASSED=$((PASSED + 1))
        echo "ok   dbt-cloud-cli: $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL dbt-cloud-cli: $name: ${why:0:300}"
    fi
}

value() { "$PY" -c "import json,sys; print($1)" <"$OUT"; }

step "account list (v3)" "any(a['id'] == $ACCOUNT_ID for a in body['data'])" "$CLI" account list
step "account get" "body['data']['id'] == $ACCOUNT_ID" "$CLI" account get
step "project list (v3)" "sorted(p['id'] for p in body['data']) == [101, 102]" "$CLI" project list
step "project get (v3)" "body['data']['id'] == 101" "$CLI" project get --project-id 101
step "environment list (v3)" "202 in [e['id'] for e in body['data']]" "$CLI" environment list --project-id 101
step "environment get (v3)" "body['data']['id'] == 202" "$CLI" environment get --project-id 101 --environment-id 202
step "job list (project filter)" "sorted(j['id'] for j in body['data']) == [404]" "$CLI" job list --project-id 102
step "job get with include_related" \
    "body['data']['environment']['id'] == 202 and 'most_recent_completed_run' in body['data']" \
    "$CLI" job get --job-id 402 --include-related environment,most_recent_completed_run
step "job create" "body['data']['name'] == 'cli created' and body['data']['state'] == 1" \
    "$CLI" job create --project-id 101 --environment-id 202 --name "cli created" --execute-steps '["dbt build"]'
CREATED="$(value "json.load(sys.stdin)['data']['id']" 2>/dev/null || echo 0)"
step "job delete" "body['data']['id'] == $CREATED and body['data']['state'] == 2" "$CLI" job delete --job-id "$CREATED"
step "job create (for delete-all)" "body['data']['state'] == 1" \
    "$CLI" job create --project-id 102 --environment-id 203 --name "to delete" --execute-steps '["dbt run"]'
DOOMED="$(value "json.load(sys.stdin)['data']['id']" 2>/dev/null || echo 0)"
step "job delete-all --keep-jobs" "[d['data']['id'] for d in body] == [$DOOMED]" \
    "$CLI" job delete-all --project-id 102 --keep-jobs "[404]" --yes
step "job run --wait" "body['data']['status'] == 10" \
    "$CLI" job run --job-id 402 --wait --cause "dbt-cloud-cli against dbt-cloud-mock"
RUN_ID="$(value "json.load(sys.stdin)['data']['id']" 2>/dev/null || echo 0)"
step "run list (job and status filters)" \
    "$RUN_ID in [r['id'] for r in body['data']] and all(r['status'] == 10 and r['job_definition_id'] == 402 for r in body['data'])" \
    "$CLI" run list --job-id 402 --status Succeeded
step "run get" "body['data']['id'] == $RUN_ID and body['data']['is_success']" "$CLI" run get --run-id "$RUN_ID"
step "run list-artifacts" "'run_results.json' in body['data']" "$CLI" run list-artifacts --run-id "$RUN_ID"
step "run get-artifact run_results.json" "body['results'] and all(r['unique_id'] for r in body['results'])" \
    "$CLI" run get-artifact --run-id "$RUN_ID" --path run_results.json
curl --silent --show-error --fail --cacert "$CA_PEM" -H "Authorization: Token $TOKEN" \
    "$BASE_URL/api/v2/accounts/$ACCOUNT_ID/runs/$RUN_ID/artifacts/run_results.json" -o "$WORK/expected.json" \
    && cmp -s "$OUT" "$WORK/expected.json" \
    && { PASSED=$((PASSED + 1)); echo "ok   dbt-cloud-cli: artifact is byte-for-byte the mock's"; } \
    || { FAILED=$((FAILED + 1)); echo "FAIL dbt-cloud-cli: artifact is byte-for-byte the mock's"; }
step "job run (to cancel)" "body['data']['status'] == 1" "$CLI" job run --job-id 401 --cause "to cancel"
TO_CANCEL="$(value "json.load(sys.stdin)['data']['id']" 2>/dev/null || echo 0)"
step "run cancel" "body['data']['id'] == $TO_CANCEL and body['data']['status'] == 30" "$CLI" run cancel --run-id "$TO_CANCEL"
step "run cancel (already finished: unchanged)" "body['data']['status'] == 10" "$CLI" run cancel --run-id "$RUN_ID"

echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
