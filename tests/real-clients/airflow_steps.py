"""Airflow's DbtCloudHook (apache-airflow-providers-dbt-cloud, PyPI, unmodified) against the
standalone mock: one line per step.

The connection comes from AIRFLOW_CONN_DBT_CLOUD_DEFAULT (host = the mock's host:port,
login = the account, password = the token); REQUESTS_CA_BUNDLE trusts the mock's
self-signed certificate. `list_accounts` is left out: provider 4.11.1 requests the bare
host for it (its own bug). Demo fixtures as in dbtc_steps.py; job 403's runs fail.
"""

import os

# Airflow's logging writes to stdout: keep stdout for the step lines, send the rest to stderr.
step_lines = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)

from airflow.providers.dbt.cloud.hooks.dbt import DbtCloudHook, DbtCloudJobRunStatus

from steps import Steps, expect

account = int(os.environ["ACCOUNT_ID"])
hook = DbtCloudHook()
steps = Steps("airflow", out=step_lines)


def data(response):
    body = response.json()
    expect(body["status"]["is_success"], f"not a success: {body['status']}")
    return body["data"]


def pages(responses):
    return [item for response in responses for item in data(response)]


def ids(items):
    return sorted(item["id"] for item in items)


def list_jobs():
    expect(ids(pages(hook.list_jobs(account_id=account, project_id=102))) == [404], "project 102's job")
    everything = ids(pages(hook.list_jobs(account_id=account, order_by="id")))
    expect(everything == [401, 402, 403, 404], f"jobs {everything}")


def trigger_and_wait():
    run = data(hook.trigger_job_run(job_id=402, cause="Airflow against the mock"))
    expect(run["status"] == 1, f"queued: {run['status']}")
    expect(hook.wait_for_job_run_status(run["id"], check_interval=1, timeout=120), "reached success")
    return run["id"]


def list_runs(run_id):
    runs = pages(hook.list_job_runs(job_definition_id=402, order_by="-id", include_related=["job"]))
    expect(runs and runs[0]["id"] == run_id and runs[0]["job"]["id"] == 402, "newest run first, job embedded")
    expect(all(r["job_definition_id"] == 402 for r in runs), "filtered by job")


def get_run(run_id):
    run = data(hook.get_job_run(run_id, include_related=["run_steps", "job"]))
    expect(run["status"] == DbtCloudJobRunStatus.SUCCESS.value and run["run_steps"], "steps embedded")


def artifacts(run_id):
    paths = data(hook.list_job_run_artifacts(run_id))
    expect("run_results.json" in paths and "manifest.json" in paths, f"paths {paths}")
    results = hook.get_job_run_artifact(run_id, path="run_results.json").json()
    expect(results["results"], "node results")


def cancel():
    run = data(hook.trigger_job_run(job_id=401, cause="to cancel"))
    hook.cancel_job_run(run["id"])
    expect(hook.get_job_run_status(run["id"]) == DbtCloudJobRunStatus.CANCELLED.value, "cancelled")


def rerun():
    failed = data(hook.trigger_job_run(job_id=403, cause="to fail"))
    try:
        hook.wait_for_job_run_status(failed["id"], check_interval=1, timeout=120)
        raise AssertionError("the scripted run did not fail")
    except Exception as error:  # the hook raises once the run ends in Error
        expect("ERROR" in str(error), f"{error}")
    retried = data(hook.trigger_job_run(job_id=403, cause="retry", retry_from_failure=True))
    expect(retried["id"] != failed["id"], "a new run")


steps.run("get account", lambda: expect(data(hook.get_account())["id"] == account, "account id"))
steps.run("list projects (v3)", lambda: expect(ids(pages(hook.list_projects())) == [101, 102], "projects"))
steps.run("get project (v3)", lambda: expect(data(hook.get_project(101))["id"] == 101, "project id"))
steps.run("list environments (v3)", lambda: expect(202 in ids(pages(hook.list_environments(101))), "environment 202"))
steps.run("get environment (v3)", lambda: expect(data(hook.get_environment(101, 202))["id"] == 202, "environment id"))
steps.run("list jobs (by project, ordered)", list_jobs)
steps.run("get job", lambda: expect(data(hook.get_job(402))["name"] == "Hourly run", "job name"))
run_id = steps.run("trigger and wait", trigger_and_wait)
steps.run("list runs (filtered, ordered, include_related)", lambda: list_runs(run_id))
steps.run("get run with include_related", lambda: get_run(run_id))
steps.run("artifacts: list and get run_results.json", lambda: artifacts(run_id))
steps.run("cancel a run", cancel)
steps.run("rerun a failed job (retry_from_failure)", rerun)
steps.finish()
