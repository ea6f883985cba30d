#!/usr/bin/env bash
# dbtc (PyPI, pinned, unmodified) against the standalone mock over HTTPS: accounts,
# projects, environments, jobs (list by projects, get with include_related, create,
# delete), trigger and wait, runs (filtered list, get, cancel), artifacts, rerun.
# Prints one line per step and `N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN="mock-dbtc-token-$$"
# Install first: the mock's CA (exported by start_mock) must not be what pip trusts.
echo "== dbtc: installing requirements/dbtc.txt"
make_venv dbtc
echo "== dbtc: starting the mock (job 403's runs fail)"
start_mock "$TOKEN" --time-scale 20 --script "403=error:Database Error in model orders"
export DBT_CLOUD_HOST="$HOST" DBT_CLOUD_API_KEY="$TOKEN" ACCOUNT_ID
# dbtc logs progress on stderr: keep it aside, show it only when a step fails.
cd "$HERE" && "$VENV/bin/python" dbtc_steps.py 2>"$WORK/client.log" || { tail -n 30 "$WORK/client.log"; exit 1; }
