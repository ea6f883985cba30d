#!/usr/bin/env bash
# Airflow's DbtCloudHook (apache-airflow-providers-dbt-cloud 4.11.1 with apache-airflow,
# pinned, unmodified from PyPI) against the standalone mock over HTTPS. Prints one line
# per step and `N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOKEN="mock-airflow-token-$$"
# Install first: the mock's CA (exported by start_mock) must not be what pip trusts.
echo "== airflow: installing requirements/airflow.txt"
make_venv airflow
echo "== airflow: starting the mock (job 403's runs fail)"
start_mock "$TOKEN" --time-scale 20 --script "403=error:Database Error in model orders"
export AIRFLOW_HOME="$WORK/airflow-home" ACCOUNT_ID
export AIRFLOW_CONN_DBT_CLOUD_DEFAULT="{\"conn_type\": \"dbt_cloud\", \"host\": \"$HOST\", \"login\": \"$ACCOUNT_ID\", \"password\": \"$TOKEN\"}"
# The hook logs on stderr: keep it aside, show it only when a step fails.
cd "$HERE" && "$VENV/bin/python" airflow_steps.py 2>"$WORK/client.log" || { tail -n 30 "$WORK/client.log"; exit 1; }
