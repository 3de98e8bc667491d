"""The cross-account contract, proven on the plans of the three envs with one set of account IDs.

A is applied first and names B's and C's roles before they exist; B and C read A's outputs. This checks that
every role ARN A grants or assumes is one that B or C creates, that every role in B and C that uses A's key or
bucket is granted by A, that B's and C's action roles trust exactly A's pipeline role, and that everything
B and C
read from A's remote state is an output of A.
"""

import json
import re

import pytest

import tfplan
from inventory import SHARED_OUTPUTS, case

ACCOUNTS = {"shared": "111111111111", "training": "222222222222", "production": "333333333333"}
TEST_OUTPUTS = json.loads(SHARED_OUTPUTS.read_text())["test_shared_outputs"]
CASES = {"shared": "codecommit", "training": "spot-off", "production": "serverless"}

pytestmark = pytest.mark.plan


def plan(env: str) -> dict:
    return case("env", env, CASES[env]).plan()


def resources(env: str, rtype: str) -> list[dict]:
    return [r["values"] for r in tfplan.all_resources(plan(env)).values() if r["type"] == rtype]


def role_arns(env: str) -> set[str]:
    return {f"arn:aws:iam::{ACCOUNTS[env]}:role/{r['name']}" for r in resources(env, "aws_iam_role")}


def principal_arn_conditions(policy: str) -> set[str]:
    found = set()
    for st in json.loads(policy)["Statement"]:
        for test, conds in st.get("Condition", {}).items():
            if test.startswith("Arn") or test.startswith("String"):
                values = conds.get("aws:PrincipalArn", [])
                found |= set([values] if isinstance(values, str) else values)
    return found


def key_users() -> set[str]:
    """The workload roles that use A's key: its UseFrom<account> and grant statements. Administrators and the
    people (personas, key use through S3 only) are roles the operator names, not roles of the contract."""
    (key,) = [k for k in resources("shared", "aws_kms_key")]
    statements = json.loads(key["policy"])["Statement"]
    workload = [st for st in statements if st["Sid"].startswith(("UseFrom", "GrantsForAwsResourcesFrom"))]
    return principal_arn_conditions(json.dumps({"Statement": workload}))


def s3_key_users() -> set[str]:
    """The roles that use A's key only through S3 (key_use "s3": UseS3Access<i>From<account> statements with
    kms:ViaService): people, and C's deployer, which copies the pinned model out of A."""
    (key,) = [k for k in resources("shared", "aws_kms_key")]
    statements = json.loads(key["policy"])["Statement"]
    via_s3 = [
        st
        for st in statements
        if st["Sid"].startswith("UseS3Access")
        and st["Condition"].get("StringEquals", {}).get("kms:ViaService") == "s3.eu-west-1.amazonaws.com"
    ]
    return principal_arn_conditions(json.dumps({"Statement": via_s3}))


def policies_of(env: str) -> dict[str, list[str]]:
    """Role name -> its inline policy documents (JSON strings)."""
    out: dict[str, list[str]] = {}
    for p in resources(env, "aws_iam_role_policy"):
        assert "policy" in p, f"policy of {p['role']} in {env} is not known at plan time"
        out.setdefault(p["role"], []).append(p["policy"])
    return out


def test_key_users_are_roles_that_b_and_c_or_a_create():
    created = role_arns("shared") | role_arns("training") | role_arns("production")
    contract = {TEST_OUTPUTS["pipeline_role_arn"]}
    assert key_users(), "A's key policy grants nobody"
    assert key_users() <= created | contract, (
        f"A grants roles nobody creates: {key_users() - created - contract}"
    )


def test_every_role_in_b_and_c_that_uses_a_key_is_granted_by_a():
    key_arn = TEST_OUTPUTS["artifact_kms_key_arn"]
    for env in ("training", "production"):
        for role, docs in policies_of(env).items():
            if any(key_arn in d for d in docs):
                arn = f"arn:aws:iam::{ACCOUNTS[env]}:role/{role}"
                assert arn in key_users() | s3_key_users(), (
                    f"{arn} uses A's key but A's key policy does not grant it"
                )


def test_c_reads_models_from_a_only_through_its_deployer():
    # The deployer copies the pinned model into C's store; the model role (SageMaker) reads only that store.
    deployer = f"arn:aws:iam::{ACCOUNTS['production']}:role/mlops-deployer"
    model_role = f"arn:aws:iam::{ACCOUNTS['production']}:role/mlops-model-execution"
    assert deployer in s3_key_users() and deployer not in key_users()
    assert model_role not in key_users() | s3_key_users()
    # A's bucket policy names the CMK created in the same plan, so it is unknown here: its side (the deployer
    # reads models/, the model role does not) is proven on the applied policies by tests/access (model_object
    # rows of matrix.yaml).
    model_role_policies = json.dumps(policies_of("production")["mlops-model-execution"])
    assert "mlops-artifacts-" not in model_role_policies  # nothing of A's bucket
    assert f"mlops-models-{ACCOUNTS['production']}-eu-west-1/models/*" in model_role_policies  # C's store


def test_c_creates_the_contracts_model_store_and_package_group():
    buckets = {b["bucket"] for b in resources("production", "aws_s3_bucket")}
    assert buckets == {f"mlops-models-{ACCOUNTS['production']}-eu-west-1"}
    groups = {
        g["model_package_group_name"] for g in resources("production", "aws_sagemaker_model_package_group")
    }
    assert groups == {"mlops-models"}


def test_callback_role_trusts_exactly_cs_deployer_role():
    trusts = {r["name"]: r.get("assume_role_policy") for r in resources("shared", "aws_iam_role")}
    callback = TEST_OUTPUTS["callback_role_arn"].split("/")[-1]
    deployer = [
        r for r in resources("production", "aws_lambda_function") if r["function_name"].endswith("-deployer")
    ]
    assert deployer, "C plans no deployer function"
    assert principal_arn_conditions(trusts[callback]) == {
        f"arn:aws:iam::{ACCOUNTS['production']}:role/{n}"
        for n in {r["name"] for r in resources("production", "aws_iam_role")}
        if n.endswith("-deployer")
    }


def test_pipeline_assumes_and_targets_exactly_what_b_and_c_create():
    (pipeline,) = resources("shared", "aws_codepipeline")
    actions = {a["name"]: a for s in pipeline["stage"] for a in s["action"]}
    train, deploy = actions["Train"], actions["Deploy"]
    assert train["role_arn"] in role_arns("training")
    assert deploy["role_arn"] in role_arns("production")
    (sm,) = resources("training", "aws_sfn_state_machine")
    assert train["configuration"]["StateMachineArn"] == (
        f"arn:aws:states:eu-west-1:{ACCOUNTS['training']}:stateMachine:{sm['name']}"
    )
    (fn,) = resources("production", "aws_lambda_function")
    assert deploy["configuration"]["FunctionName"].split(":")[-1] == fn["function_name"]
    params = json.loads(deploy["configuration"]["UserParameters"])
    assert params["callback_role_arn"] in role_arns("shared")


@pytest.mark.parametrize("env", ["training", "production"])
def test_action_role_trusts_exactly_as_pipeline_role(env):
    action = [r for r in resources(env, "aws_iam_role") if r["name"].endswith("-action")]
    assert len(action) == 1
    assert principal_arn_conditions(action[0]["assume_role_policy"]) == {TEST_OUTPUTS["pipeline_role_arn"]}
    assert TEST_OUTPUTS["pipeline_role_arn"] in role_arns("shared"), (
        "A does not create the role B and C trust"
    )


def test_b_and_c_read_only_outputs_that_a_has():
    a_outputs = set(
        re.findall(r'^output "([^"]+)"', (tfplan.REPO / "envs/shared/outputs.tf").read_text(), re.M)
    )
    assert set(TEST_OUTPUTS) == a_outputs, (
        "tests/envs/shared-outputs.tfvars.json must mirror envs/shared outputs"
    )
    for env in ("training", "production"):
        used = set()
        for tf in (tfplan.REPO / "envs" / env).glob("*.tf"):
            used |= set(re.findall(r"local\.shared\.([a-z_]+)", tf.read_text()))
        assert used, f"{env} reads nothing from A?"
        assert used <= a_outputs, f"{env} reads {used - a_outputs}, which A does not output"


def test_test_outputs_match_what_a_plans():
    planned = tfplan.planned_outputs(plan("shared"))
    for name, value in planned.items():
        assert TEST_OUTPUTS[name] == value, f"shared-outputs.tfvars.json {name} differs from A's plan"


@pytest.mark.parametrize("env", ["shared", "training", "production"])
def test_provider_is_pinned_to_its_own_account(env):
    # The plan harness lifts allowed_account_ids (fake credentials cannot be checked), so assert the env's own
    # provider file: it must name this account's entry of the contract, nothing else.
    text = (tfplan.REPO / "envs" / env / "providers.tf").read_text()
    expected = "var.accounts.shared" if env == "shared" else f"local.shared.contract.accounts.{env}"
    assert re.search(rf"allowed_account_ids\s*=\s*\[{re.escape(expected)}\]", text), text


def statements(policy: str) -> list[dict]:
    return json.loads(policy)["Statement"]


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


BUCKET_ARN = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"


def test_the_action_roles_grants_are_the_pipelines_artifact_folders():
    # What CodePipeline writes: <pipeline name[:20]>/<artifact name, truncated>/<key>. The contract's patterns
    # (artifact name[:10] + "*") must be derived from the artifact names the planned pipeline really uses.
    (pipeline,) = resources("shared", "aws_codepipeline")
    actions = {a["name"]: a for s in pipeline["stage"] for a in s["action"]}
    folder = pipeline["name"][:20]
    source, training = actions["Source"]["output_artifacts"], actions["Train"]["output_artifacts"]
    assert actions["Train"]["input_artifacts"] == source
    assert actions["Verify"]["input_artifacts"] == actions["Deploy"]["input_artifacts"] == training
    prefixes = tfplan.planned_outputs(plan("shared"))["artifact_prefixes"]
    assert prefixes["source_artifact"] == f"{folder}/{source[0][:10]}*"
    assert prefixes["training_output"] == f"{folder}/{training[0][:10]}*"
    # The two patterns cannot match each other's folder.
    assert not source[0].startswith(training[0][:10]) and not training[0].startswith(source[0][:10])

    objects = {k: f"{BUCKET_ARN}/{prefixes[k]}" for k in ("source_artifact", "training_output")}

    # A's side (module "artifacts" access in envs/shared: B's action role reads source_artifact and writes
    # training_output, C's reads training_output) renders into A's bucket policy, unknown at plan time
    # (it names the key created in the same apply): the applied access proof (tests/access) checks it.
    # B's and C's identity policies: the same objects, and no other object of A's bucket.
    def s3_objects(env: str, role: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for doc in policies_of(env)[role]:
            for st in statements(doc):
                for action in listed(st["Action"]):
                    if action.startswith("s3:"):
                        found.setdefault(action, set()).update(listed(st["Resource"]))
        return found

    assert s3_objects("training", "mlops-training-action") == {
        "s3:GetObject": {objects["source_artifact"]},
        "s3:GetObjectVersion": {objects["source_artifact"]},
        "s3:PutObject": {objects["training_output"]},
    }
    assert s3_objects("production", "mlops-deploy-action") == {
        "s3:GetObject": {objects["training_output"]},
        "s3:GetObjectVersion": {objects["training_output"]},
    }


def test_a_grants_the_sfn_role_the_listing_of_exactly_the_channels_b_lists():
    (identity,) = [
        st
        for doc in policies_of("training")["mlops-training-sfn"]
        for st in statements(doc)
        if "s3:ListBucketVersions" in listed(st["Action"])
    ]
    assert identity["Resource"] == BUCKET_ARN
    channels = sorted(listed(identity["Condition"]["StringEquals"]["s3:prefix"]))
    assert channels == ["data/train/", "data/validation/"]
    # A grants the same prefixes (envs/shared: data prefix + each channel); A's bucket policy is unknown at
    # plan time, so the prefixes are compared with what envs/shared writes for the SFN role's entry.
    shared_main = (tfplan.REPO / "envs/shared/main.tf").read_text()
    entry = re.search(r"principal_arn\s*=\s*local\.b\.sfn_role_arn(.*?)\n\s*\}", shared_main, re.S)
    assert (
        entry and 'for channel in ["train", "validation"] : "${local.prefixes.data}${channel}/"' in entry[1]
    )
    data = TEST_OUTPUTS["artifact_prefixes"]["data"]
    assert [f"{data}{c}/" for c in ("train", "validation")] == channels
