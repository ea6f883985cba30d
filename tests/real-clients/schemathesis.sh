#!/usr/bin/env bash
# schemathesis (PyPI, pinned) against the standalone mock over HTTPS with the derived spec
# (spec/dbt-cloud-administrative-api-openapi.yml), positive data only, bounded by
# --max-examples and a time budget. A failure is any of:
#   not_a_server_error            a 5xx
#   status_code_conformance       a status the spec does not declare
#   content_type_conformance      a Content-Type the spec does not declare
#   response_schema_conformance   a body off its declared schema
#   positive_data_acceptance      a schema-valid request refused (4xx other than 401/403/404)
# Negative-data checks (negative_data_rejection, unsupported_method, ...) are left out on
# purpose: the mock refusing invalid data is not what this run judges.
# Prints schemathesis' summary, then `N passed, M failed` (operations); exits non-zero on failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN="mock-schemathesis-token-$$"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-120}"
# Install first: the mock's CA (exported by start_mock) must not be what pip trusts.
echo "== schemathesis: installing requirements/schemathesis.txt"
make_venv schemathesis
echo "== schemathesis: starting the mock"
start_mock "$TOKEN" --time-scale 20 --seed-runs 30
status=0
# Run from the scratch folder: schemathesis keeps an example database in its working directory.
cd "$WORK"
"$VENV/bin/schemathesis" run "$REPO_ROOT/spec/dbt-cloud-administrative-api-openapi.yml" \
    --url "$BASE_URL" \
    --header "Authorization: Token $TOKEN" \
    --tls-verify "$CA_PEM" \
    --mode positive \
    --phases examples,coverage,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --seed 12 \
    --workers 2 \
    --no-color \
    --report junit --report-junit-path "$WORK/junit.xml" \
    >"$WORK/st.log" 2>&1 || status=$?
tail -n 40 "$WORK/st.log"
[[ -s "$WORK/junit.xml" ]] || die "schemathesis wrote no report (exit $status)"
"$VENV/bin/python" - "$WORK/junit.xml" "$status" <<'PY'
import sys
import xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
passed = failed = 0
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
        print(f"FAIL schemathesis: {case.get('name')}")
    else:
        passed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or sys.argv[2] != "0" else 0)
PY
