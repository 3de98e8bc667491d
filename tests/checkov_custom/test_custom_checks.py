"""The project's custom checkov policies (checks/checkov, CKV_MLOPS_*) on their pass and fail fixtures.

Each check has tests/checkov_custom/<check>/{pass,fail}/main.tf (HCL, `checkov -d`) and
<check>/{pass,fail}.plan.json (the same HCL planned: `checkov -f --framework terraform_plan`; regenerate with
regenerate_plans.py). checkov scans each framework once with `-o json`, the two scans in the session's
checkov batch (tests/checkov_runs.py: custom_scan, with the HCL scans of tests/test_checkov.py).
"""

from collections import defaultdict
from pathlib import Path

import pytest

from checkov_runs import BATCH_GROUP, CUSTOM_CHECK_IDS, Run, custom_plan_files, session_batch

HERE = Path(__file__).resolve().parent

# (fixture dir, kind) -> {check id: resources it must report with that kind's result}. Resources that a check
# cannot judge in a framework (e.g. a role whose trust is data.aws_iam_policy_document.x.json in HCL) are
# simply not reported by it; the test asserts the exact sets.
EXPECTED = {
    ("no_full_access", "pass"): {
        "CKV_MLOPS_1": {
            "aws_iam_role.narrow",
            "aws_iam_role_policy_attachment.read_only",
            "aws_iam_role_policy_attachment.customer_managed",
            "aws_iam_policy_attachment.service_role",
        },
    },
    ("no_full_access", "fail"): {
        "CKV_MLOPS_1": {
            "aws_iam_role.managed_list",
            "aws_iam_role_policy_attachment.s3_full",
            "aws_iam_policy_attachment.codepipeline_full",
            "aws_iam_user_policy_attachment.user",
            "aws_iam_group_policy_attachment.group",
        },
    },
    ("trust_account_principal_arn", "pass"): {
        "CKV_MLOPS_2": {
            "aws_iam_role.exact_role_arn",
            "aws_iam_role.bare_account_with_arnlike",
            "aws_iam_role.service_only",
            "aws_iam_role.doc_ref",
        },
        "CKV_MLOPS_5": {
            "aws_iam_policy_document.account_with_principal_arn",
            "aws_iam_policy_document.identity_policy",
        },
    },
    ("trust_account_principal_arn", "fail"): {
        "CKV_MLOPS_2": {
            "aws_iam_role.root_no_condition",
            "aws_iam_role.negated_principal_arn",
            "aws_iam_role.star_principal",
        },
        "CKV_MLOPS_5": {
            "aws_iam_policy_document.account_root_no_condition",
            "aws_iam_policy_document.external_id_only",
        },
    },
    ("trust_service_source", "pass"): {
        "CKV_MLOPS_3": {
            "aws_iam_role.states_source_arn",
            "aws_iam_role.lambda_source_account",
            "aws_iam_role.account_only",
        },
        "CKV_MLOPS_6": {"aws_iam_policy_document.sagemaker"},
    },
    ("trust_service_source", "fail"): {
        "CKV_MLOPS_3": {
            "aws_iam_role.lambda_bare",
            "aws_iam_role.states_unrelated_condition",
            "aws_iam_role.second_statement_bare",
        },
        "CKV_MLOPS_6": {"aws_iam_policy_document.sagemaker_bare"},
    },
    ("training_job_cmk", "pass"): {
        "CKV_MLOPS_4": {
            "aws_sfn_state_machine.static_keys",
            "aws_sfn_state_machine.path_keys_in_parallel",
            "aws_sfn_state_machine.no_training",
        },
    },
    ("training_job_cmk", "fail"): {
        "CKV_MLOPS_4": {
            "aws_sfn_state_machine.no_output_key",
            "aws_sfn_state_machine.no_volume_key",
            "aws_sfn_state_machine.second_task_in_map",
        },
    },
}
# Plan JSON carries no aws_iam_policy_document data sources; their rendered JSON is on the role instead.
DATA_CHECKS = {"CKV_MLOPS_5", "CKV_MLOPS_6"}
# In HCL, a role whose trust is a data-source reference is judged on the data source (UNKNOWN on the role).
HCL_UNRESOLVED = {"aws_iam_role.doc_ref"}


def _results(run: Run) -> dict:
    """{(fixture dir, kind): {check id: {resource: PASSED|FAILED}}}"""
    out: dict = defaultdict(lambda: defaultdict(dict))
    for report in run.reports():
        if not isinstance(report, dict):
            continue
        results = report.get("results", {})
        for check in results.get("passed_checks", []) + results.get("failed_checks", []):
            path = Path(check["file_abs_path"]).relative_to(HERE)
            kind = path.parts[1].split(".")[0]  # pass/main.tf or pass.plan.json
            out[(path.parts[0], kind)][check["check_id"]][check["resource"]] = check["check_result"]["result"]
    return out


@pytest.fixture(scope="module")
def hcl_results(request):
    return _results(session_batch(request.session)["custom terraform"])


@pytest.fixture(scope="module")
def plan_results(request):
    files = custom_plan_files()
    assert len(files) == len(EXPECTED), "regenerate the plan fixtures: regenerate_plans.py"
    return _results(session_batch(request.session)["custom terraform_plan"])


def _assert(results: dict, framework: str) -> None:
    for (fixture, kind), by_check in EXPECTED.items():
        want_result = "PASSED" if kind == "pass" else "FAILED"
        got = results.get((fixture, kind), {})
        for check_id, resources in by_check.items():
            if framework == "plan" and check_id in DATA_CHECKS:
                continue
            expected = resources - HCL_UNRESOLVED if framework == "hcl" else resources
            assert got.get(check_id, {}) == dict.fromkeys(expected, want_result), (
                framework,
                fixture,
                kind,
                check_id,
            )
        if kind == "pass":  # no custom check fails anything in a pass fixture
            failed = {(c, r) for c, rs in got.items() for r, res in rs.items() if res == "FAILED"}
            assert not failed, (framework, fixture, failed)


@pytest.mark.xdist_group(BATCH_GROUP)
def test_custom_checks_on_hcl(hcl_results):
    _assert(hcl_results, "hcl")


@pytest.mark.xdist_group(BATCH_GROUP)
def test_custom_checks_on_plan_json(plan_results):
    _assert(plan_results, "plan")


def test_every_custom_check_has_fixtures():
    covered = {c for by_check in EXPECTED.values() for c in by_check}
    assert covered == set(CUSTOM_CHECK_IDS)
