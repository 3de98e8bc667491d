"""The cross-account contract, proven on the plans of the three envs with one set of account IDs.

A is applied first and names B's and C's roles before they exist; B and C read A's outputs. This checks that
every role ARN A grants or assumes is one that B or C creates, that every role in B and C that uses A's key or
bucket is granted by A, that B's and C's action roles trust exactly A's pipeline role, that B and C read from
A's remote state only what the contract cannot derive (the CMK's ARN, and the contract's own inputs), and that
each cross-account grant exists once: A's bucket and key policies grant every role exactly its grant in the
contract (modules/contract output grants), and B's and C's action role policies are built from the same grant.
"""

import json
import re
from functools import cache

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
        # Every name and ARN comes from the contract (module.contract, called with A's contract output); from
        # A's state only what cannot be derived: the CMK's ARN (KMS chooses the key ID).
        derivable = used - {"contract", "artifact_kms_key_arn"}
        assert not derivable, f"{env} reads {derivable} from A's state: take it from the contract"
        assert used == {"contract", "artifact_kms_key_arn"}


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

    # A's side (the contract's grants b_action and c_action) is proven equal to B's and C's by
    # test_action_role_policy_is_built_from_its_contract_grant; here: B's and C's identity policies name these
    # objects, and no other object of A's bucket.
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
    data = TEST_OUTPUTS["artifact_prefixes"]["data"]
    assert [f"{data}{c}/" for c in ("train", "validation")] == channels
    # A grants the same prefixes: the contract's grant, as A's bucket policy renders it.
    grant = contract_grants()["b_sfn"]
    assert sorted(grant["list_versions_prefixes"]) == channels
    assert bucket_grants(CASES["shared"])[grant["principal_arn"]]["list_versions_prefixes"] == channels


# ------------------------------------------------------------------------------ each grant written once
# modules/contract output grants: per workload role, what it may do in A's artifact bucket and with its CMK.
# envs/shared passes values(grants) to modules/kms-bucket (A's bucket and key policies); envs/training and
# envs/production build their action roles from grants.b_action and grants.c_action
# (modules/pipeline-action-role).
# The tests below read both sides back from the plans and compare each with the contract's grant.
GRANT_LISTS = ("read_prefixes", "write_prefixes", "list_prefixes", "list_versions_prefixes")
KEY_USAGE = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]


def contract_grants() -> dict[str, dict]:
    """The contract's grants, from the plan of modules/contract with the envs' contract inputs."""
    contract = case("module", "contract", "default")
    outputs = tfplan.planned_outputs(contract.plan())
    assert {k: outputs[k] for k in ("accounts", "partition", "prefix", "region")} == TEST_OUTPUTS[
        "contract"
    ], f"{contract.tfvars} must hold the envs' contract inputs (tests/envs/shared-outputs.tfvars.json)"
    return outputs["grants"]


def rendered(prefix: str) -> str:
    """A grant prefix as the policies write it (modules/kms-bucket, modules/pipeline-action-role): a prefix
    ending in "/" gets "*", a pattern ending in "*" keeps its one "*"."""
    return f"{prefix.removesuffix('*')}*"


def as_rendered(grant: dict) -> dict:
    """A contract grant with its object prefixes written as the policies write them, each list sorted (a
    policy document's resources and condition values are sets)."""
    return {
        **grant,
        "read_prefixes": sorted(rendered(p) for p in grant["read_prefixes"]),
        "write_prefixes": sorted(rendered(p) for p in grant["write_prefixes"]),
        "list_prefixes": sorted(rendered(p) for p in grant["list_prefixes"]),
        "list_versions_prefixes": sorted(grant["list_versions_prefixes"]),
    }


def module_call_references(env: str, call: str, argument: str) -> list[str]:
    """What an argument of a module call of the env refers to (the plan's configuration)."""
    calls = plan(env)["configuration"]["root_module"]["module_calls"]
    return calls[call]["expressions"][argument].get("references", [])


@cache
def bucket_grants(shared_case: str) -> dict[str, dict]:
    """Principal ARN -> what A's bucket and key policies grant it, in the attributes of a contract grant
    (object prefixes as rendered). The bucket policy names the CMK created in the same plan, so its JSON is
    unknown at plan time; the statements it is rendered from are known: the arguments of its
    aws_iam_policy_document, which Terraform reads at apply time and records in the plan's resource
    changes."""
    shared = case("env", "shared", shared_case).plan()
    (document,) = [
        rc["change"]["after"]
        for rc in shared["resource_changes"]
        if rc["address"] == "module.artifacts.data.aws_iam_policy_document.bucket"
    ]
    found: dict[str, dict] = {}
    for st in document["statement"]:
        if (st["effect"] or "Allow") != "Allow":
            continue
        (principal,) = [
            c["values"][0]
            for c in st["condition"]
            if c["variable"] == "aws:PrincipalArn" and len(c["values"]) == 1
        ]
        account = principal.split(":")[4]
        assert st["principals"] == [{"type": "AWS", "identifiers": [f"arn:aws:iam::{account}:root"]}], st[
            "sid"
        ]
        grant = found.setdefault(
            principal, {"principal_arn": principal, "list": False, **{k: [] for k in GRANT_LISTS}}
        )
        objects = [
            r.removeprefix(f"{BUCKET_ARN}/") for r in st["resources"] if r.startswith(f"{BUCKET_ARN}/")
        ]
        prefix_condition = [c["values"] for c in st["condition"] if c["variable"] == "s3:prefix"]
        sid = st["sid"].rstrip("0123456789")
        if sid == "Read":
            grant["read_prefixes"] += objects
        elif sid == "Write":
            grant["write_prefixes"] += objects
        elif sid == "List":
            grant["list"] = True
        elif sid == "ListPrefixes":
            grant["list_prefixes"] += prefix_condition[0]
        elif sid == "ListVersions":
            grant["list_versions_prefixes"] += prefix_condition[0]
        else:
            raise AssertionError(
                f"A's bucket policy has an Allow statement this test does not know: {st['sid']}"
            )
    # Key use, from A's key policy: workload roles use the key directly (UseFrom<account>), people and C's
    # deployer only through S3 (UseS3Access<i>From<account>, kms:ViaService).
    (key,) = [r["values"] for r in tfplan.all_resources(shared).values() if r["type"] == "aws_kms_key"]
    for st in json.loads(key["policy"])["Statement"]:
        use = (
            "full"
            if st["Sid"].startswith("UseFrom")
            else "s3"
            if st["Sid"].startswith("UseS3Access")
            else None
        )
        if use:
            for principal in principal_arn_conditions(json.dumps({"Statement": [st]})):
                assert found[principal].setdefault("key_use", use) == use, principal
    return {p: {k: sorted(v) if k in GRANT_LISTS else v for k, v in g.items()} for p, g in found.items()}


@pytest.mark.parametrize("shared_case", [CASES["shared"], "s3-personas"])
def test_a_grants_each_role_exactly_its_contract_grant(shared_case):
    # envs/shared hands the contract's grants to the bucket module as they are (the people come after them).
    assert "module.contract.grants" in module_call_references("shared", "artifacts", "access")
    granted = bucket_grants(shared_case)
    grants = contract_grants()
    assert set(grants) == {"a_pipeline", "b_action", "b_sagemaker", "b_sfn", "c_action", "c_deployer"}
    for name, grant in grants.items():
        assert granted.get(grant["principal_arn"]) == as_rendered(grant), (
            f"A's bucket and key policies grant {grant['principal_arn']} other than the contract's {name}"
        )
    # No role of B or C is granted anything the contract does not hold.
    b_and_c = {p for p in granted if p.split(":")[4] in (ACCOUNTS["training"], ACCOUNTS["production"])}
    assert b_and_c == {g["principal_arn"] for g in grants.values()} - {grants["a_pipeline"]["principal_arn"]}


def identity_grant(env: str, role: str) -> tuple[dict, list[str]]:
    """What a role's identity policy allows on A's bucket, in the attributes of a contract grant, and its key
    actions on A's CMK."""
    key_arn = TEST_OUTPUTS["artifact_kms_key_arn"]
    grant = {"read_prefixes": [], "write_prefixes": []}
    key_actions: list[str] = []
    for doc in policies_of(env)[role]:
        for st in statements(doc):
            actions, resources = set(listed(st["Action"])), listed(st["Resource"])
            objects = [r.removeprefix(f"{BUCKET_ARN}/") for r in resources if r.startswith(f"{BUCKET_ARN}/")]
            if actions == {"s3:GetObject", "s3:GetObjectVersion"}:
                grant["read_prefixes"] += objects
            elif actions == {"s3:PutObject"}:
                grant["write_prefixes"] += objects
            elif key_arn in resources:
                key_actions += sorted(actions)
            else:
                assert not any(a.startswith("s3:") for a in actions), f"{role}: {st}"
    return grant, key_actions


@pytest.mark.parametrize(("env", "name"), [("training", "b_action"), ("production", "c_action")])
def test_action_role_policy_is_built_from_its_contract_grant(env, name):
    # By construction: the env builds the role from the contract's grant (modules/pipeline-action-role) ...
    assert f"module.contract.grants.{name}" in module_call_references(env, "action_role", "grant")
    # ... and what its policy allows on A's bucket is that grant, which is what A grants it.
    grant = contract_grants()[name]
    role = grant["principal_arn"].split("/")[-1]
    assert f"arn:aws:iam::{ACCOUNTS[env]}:role/{role}" == grant["principal_arn"]
    assert role in {r["name"] for r in resources(env, "aws_iam_role")}, f"{env} creates no role {role}"
    identity, key_actions = identity_grant(env, role)
    expected = as_rendered(grant)
    assert {k: sorted(v) for k, v in identity.items()} == {k: expected[k] for k in identity}
    assert bucket_grants(CASES["shared"])[grant["principal_arn"]] == expected
    # The key actions follow from the grant: a reader decrypts, a writer gets the whole usage set.
    assert grant["key_use"] == "full"
    assert sorted(key_actions) == (
        KEY_USAGE if grant["write_prefixes"] else ["kms:Decrypt", "kms:DescribeKey"]
    )


def _under(resource: str, prefixes: list[str]) -> bool:
    return any(resource.startswith(p.removesuffix("*")) for p in prefixes)


@pytest.mark.parametrize(
    ("env", "name"), [("training", "b_sagemaker"), ("training", "b_sfn"), ("production", "c_deployer")]
)
def test_other_roles_of_b_and_c_use_no_more_than_their_contract_grant(env, name):
    # These identity policies are their modules' (training-sfn, prod-deployer), narrower than the grant (exact
    # archive keys, listing under prefixes): each S3 and KMS statement on A's bucket and key lies within it.
    grant = contract_grants()[name]
    key_arn = TEST_OUTPUTS["artifact_kms_key_arn"]
    role = grant["principal_arn"].split("/")[-1]
    for doc in policies_of(env)[role]:
        for st in statements(doc):
            actions, targets = set(listed(st["Action"])), listed(st["Resource"])
            objects = [r.removeprefix(f"{BUCKET_ARN}/") for r in targets if r.startswith(f"{BUCKET_ARN}/")]
            prefixes = listed(st.get("Condition", {}).get("StringLike", {}).get("s3:prefix", []))
            prefixes += listed(st.get("Condition", {}).get("StringEquals", {}).get("s3:prefix", []))
            for action in actions:
                if action in ("s3:GetObject", "s3:GetObjectVersion"):
                    assert all(_under(o, grant["read_prefixes"]) for o in objects), (role, st)
                elif action in ("s3:PutObject", "s3:AbortMultipartUpload"):
                    assert all(_under(o, grant["write_prefixes"]) for o in objects), (role, st)
                elif action == "s3:ListBucket" and BUCKET_ARN in targets:
                    assert grant["list"] or (
                        prefixes and all(_under(p, grant["list_prefixes"]) for p in prefixes)
                    )
                elif action == "s3:ListBucketVersions" and BUCKET_ARN in targets:
                    assert prefixes and set(prefixes) <= set(grant["list_versions_prefixes"]), (role, st)
                elif action.startswith("kms:") and key_arn in targets and grant["key_use"] == "s3":
                    assert st["Condition"]["StringEquals"]["kms:ViaService"] == "s3.eu-west-1.amazonaws.com"
                else:
                    assert not (BUCKET_ARN in targets or objects), f"{role}: {action} on A's bucket: {st}"
