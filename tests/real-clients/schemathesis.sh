#!/usr/bin/env bash
# schemathesis (PyPI, pinned) against the standalone mock over HTTPS with the derived spec
# (spec/dbt-cloud-administrative-api-openapi.yml): one run, every operation, positive data
# only, bounded by --max-examples, a time budget and a hard cap. A failure is any of:
#   not_a_server_error            a 5xx
#   status_code_conformance       a status the spec does not declare
#   content_type_conformance      a Content-Type the spec does not declare
#   response_schema_conformance   a body off its declared schema
#   positive_data_acceptance      a schema-valid request refused (4xx other than 401/403/404)
# Negative-data checks (negative_data_rejection, unsupported_method, ...) are left out on
# purpose: the mock refusing invalid data is not what this run judges.
# Prints schemathesis' summary, then `N passed, M failed` (operations); exits non-zero on failure.
# SCHEMATHESIS_MAX_EXAMPLES, SCHEMATHESIS_MAX_TIME and SCHEMATHESIS_HARD_CAP override the bounds.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN="mock-schemathesis-token-$$"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
# --max-time is the budget of the whole run: once every operation has had its examples and
# coverage cases, fuzzing repeats until it is spent. The hard cap (the budget plus slack for
# start-up and the last requests) stops a run that hangs, well inside CI's 90 minutes.
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-240}"
HARD_CAP="${SCHEMATHESIS_HARD_CAP:-$((MAX_TIME + 300))}"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance
CHECKS+=,response_schema_conformance,positive_data_acceptance
# Install first: the mock's CA (exported by start_mock) must not be what pip trusts.
echo "== schemathesis: installing requirements/schemathesis.txt"
make_venv schemathesis
echo "== schemathesis: starting the mock"
start_mock "$TOKEN" --time-scale 20 --seed-runs 30
# Run from the scratch folder: schemathesis keeps an example database in its working directory.
cd "$WORK"
status=0
timeout --kill-after=30 "$HARD_CAP" \
    "$VENV/bin/schemathesis" run "$REPO_ROOT/spec/dbt-cloud-administrative-api-openapi.yml" \
    --url "$BASE_URL" \
    --header "Authorization: Token $TOKEN" \
    --tls-verify "$CA_PEM" \
    --mode positive \
    --phases examples,coverage,fuzzing \
    --checks "$CHECKS" \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --seed 12 \
    --workers 2 \
    --no-color \
    --report junit --report-junit-path "$WORK/schemathesis.xml" \
    >"$WORK/schemathesis.log" 2>&1 || status=$?
echo "== schemathesis: exit $status"
tail -n 40 "$WORK/schemathesis.log"
# 124: `timeout` stopped it; 137: it had to be killed.
[[ $status -ne 124 && $status -ne 137 ]] || die "schemathesis ran past the hard cap of ${HARD_CAP}s"
[[ -s "$WORK/schemathesis.xml" ]] || die "schemathesis wrote no report (exit $status)"
"$VENV/bin/python" - "$status" "$WORK/schemathesis.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
status, report = sys.argv[1], sys.argv[2]
passed = failed = 0
for case in ET.parse(report).getroot().iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
        print(f"FAIL schemathesis: {case.get('name')}")
    else:
        passed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or status != "0" else 0)
PY
