"""dbtc (PyPI, unmodified) against the standalone mock: one line per step.

Environment: DBT_CLOUD_HOST (host:port of the mock), DBT_CLOUD_API_KEY, ACCOUNT_ID,
REQUESTS_CA_BUNDLE (the mock's self-signed certificate). Demo fixtures: projects 101, 102;
environment 202 (prod, project 101); jobs 401 (daily), 402 (hourly), 403 (CI, scripted to
fail), 404 (project 102).
"""

import os

from dbtc import dbtCloudClient

from steps import Steps, expect

account = int(os.environ["ACCOUNT_ID"])
token = os.environ["DBT_CLOUD_API_KEY"]
# dbtc's admin, metadata and semantic-layer clients share one session, and the last one built
# sets its headers from `service_token`: give both, or every request says `Bearer None`.
client = dbtCloudClient(api_key=token, service_token=token, host=os.environ["DBT_CLOUD_HOST"])
cloud = client.cloud
steps = Steps("dbtc")


def ok(body):
    expect(body["status"]["is_success"], f"not a success: {body['status']}")
    return body["data"]


def ids(items):
    return sorted(item["id"] for item in items)


def list_accounts():
    expect(account in ids(ok(cloud.list_accounts())), "the account is not listed")


def list_projects():
    expect(ids(ok(cloud.list_projects(account))) == [101, 102], "projects 101, 102")


def list_environments():
    found = ids(ok(cloud.list_environments(account, 101)))
    expect(202 in found and 203 not in found, f"environments of project 101: {found}")


def list_jobs_by_projects():
    expect(ids(ok(cloud.list_jobs(account, project_id=[101, 102]))) == [401, 402, 403, 404], "all four jobs")
    expect(ids(ok(cloud.list_jobs(account, project_id=[102]))) == [404], "only project 102's job")


def get_job_with_related():
    job = ok(cloud.get_job(account, 402, include_related=["environment", "most_recent_run"]))
    expect(job["environment"]["id"] == 202, f"environment embedded: {job.get('environment')}")
    expect("most_recent_run" in job, "most_recent_run embedded")


def create_job():
    payload = {
        "account_id": account, "project_id": 101, "environment_id": 202, "name": "dbtc created",
        "execute_steps": ["dbt build"], "generate_docs": False, "state": 1,
        "triggers": {"github_webhook": False, "schedule": False},
        "settings": {"threads": 4, "target_name": "default"},
        "schedule": {"cron": "0 * * * *", "date": {"type": "every_day"}, "time": {"type": "every_hour", "interval": 1}},
    }
    job = ok(cloud.create_job(account, payload))
    expect(job["name"] == "dbtc created", job)
    return job["id"]


def delete_job(job_id):
    expect(ok(cloud.delete_job(account, job_id))["state"] == 2, "deleted job has state 2")
    expect(job_id not in ids(ok(cloud.list_jobs(account))), "the deleted job is still listed")


def trigger_and_wait():
    run = ok(cloud.trigger_job(account, 402, {"cause": "dbtc against the mock"}, should_poll=True, poll_interval=1))
    expect(run["status"] == 10, f"run status {run['status']}")
    return run["id"]


def list_runs_filtered(run_id):
    runs = ok(cloud.list_runs(account, job_definition_id=402, status=["success"], project_id=[101]))
    expect(run_id in ids(runs), "the run is listed")
    expect(all(r["status"] == 10 and r["job_definition_id"] == 402 for r in runs), "filters honoured")
    expect(ok(cloud.list_runs(account, project_id=[102])) == [], "no run in project 102")


def get_run(run_id):
    run = ok(cloud.get_run(account, run_id, include_related=["run_steps", "job"]))
    expect(run["run_steps"] and run["job"]["id"] == 402, "steps and job embedded")


def artifacts(run_id):
    paths = ok(cloud.list_run_artifacts(account, run_id))
    expect("run_results.json" in paths, f"paths {paths}")
    results = cloud.get_run_artifact(account, run_id, "run_results.json")
    expect(results["results"] and all(r["unique_id"] for r in results["results"]), "node results")


def cancel():
    run = ok(cloud.trigger_job(account, 401, {"cause": "to cancel"}, should_poll=False))
    cancelled = ok(cloud.cancel_run(account, run["id"]))
    expect(cancelled["status"] == 30, f"status {cancelled['status']}")


def rerun():
    failed = ok(cloud.trigger_job(account, 403, {"cause": "to fail"}, should_poll=True, poll_interval=1))
    expect(failed["status"] == 20, f"status {failed['status']}")
    retried = ok(cloud.trigger_job_from_failure(account, 403, should_poll=True, poll_interval=1))
    expect(retried["id"] != failed["id"], "a new run")
    expect(retried["status"] in (10, 20), f"finished: {retried['status']}")


steps.run("list accounts (v3)", list_accounts)
steps.run("get account", lambda: expect(ok(cloud.get_account(account))["id"] == account, "account id"))
steps.run("list projects (v3)", list_projects)
steps.run("get project (v3)", lambda: expect(ok(cloud.get_project(account, 101))["id"] == 101, "project id"))
steps.run("list environments of a project (v3)", list_environments)
steps.run("get environment (v3)", lambda: expect(ok(cloud.get_environment(account, 101, 202))["id"] == 202, "environment id"))
steps.run("list jobs filtered by several projects", list_jobs_by_projects)
steps.run("get job with include_related", get_job_with_related)
created = steps.run("create job", create_job)
steps.run("delete job", lambda: delete_job(created))
run_id = steps.run("trigger and wait", trigger_and_wait)
steps.run("list runs with filters", lambda: list_runs_filtered(run_id))
steps.run("get run with include_related", lambda: get_run(run_id))
steps.run("artifacts: list and get run_results.json", lambda: artifacts(run_id))
steps.run("cancel a run", cancel)
steps.run("rerun a failed job from failure", rerun)
steps.finish()
