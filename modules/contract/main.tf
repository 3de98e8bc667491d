# The cross-account contract, written once. Every name that one account must know about another account before
# that account exists is derived here from (prefix, accounts, region, partition). Each env calls this module with
# the same inputs (A from its variables, B and C from A's remote state), creates its own resources under these
# names, and grants or assumes the other accounts' ones by these ARNs. tests/test_contract.py proves that the
# ARNs A grants are exactly the ones B and C create.
locals {
  iam = { for k, id in var.accounts : k => "arn:${var.partition}:iam::${id}" }

  shared = {
    bucket_name        = "${var.prefix}-artifacts-${var.accounts.shared}-${var.region}"
    callback_role_name = "${var.prefix}-pipeline-callback"
    key_alias          = "alias/${var.prefix}-artifacts"
    pipeline_name      = "${var.prefix}-pipeline"
    pipeline_role_name = "${var.prefix}-pipeline"
    # The pipeline's artifacts (modules/codepipeline: the Source action's output, the Train action's output, which
    # Verify and Deploy read). tests/test_contract.py checks that the planned pipeline names them so.
    source_artifact_name          = "SourceOutput"
    training_output_artifact_name = "TrainingOutput"
  }

  # CodePipeline stores an artifact at <bucket>/<pipeline name, first 20 characters>/<artifact name, truncated>/
  # <random key>. How far the artifact name is truncated AWS documents in no table: AWS's answer on re:Post
  # ("CodePipeline truncates folder names in output artifact S3 bucket",
  # https://repost.aws/questions/QUI91tw7A9SUOMohJurNqmgA) confirms the truncation, and observed keys show 10
  # characters (SourceArtifact -> .../SourceArti/...). So each grant is on the first 10 characters followed by "*":
  # it holds for any truncation to 10 characters or more (a longer folder name starts with the same 10), and
  # it is what the rehearsal's runner writes (pipeline/rehearsal/runner.py, _artifact_key).
  pipeline_folder = substr(local.shared.pipeline_name, 0, 20)
  artifact_folder_pattern = {
    for k, name in {
      source_artifact = local.shared.source_artifact_name
      training_output = local.shared.training_output_artifact_name
    } : k => "${local.pipeline_folder}/${substr(name, 0, 10)}*"
  }

  training = {
    action_role_name    = "${var.prefix}-training-action"
    sagemaker_role_name = "${var.prefix}-training-sagemaker"
    sfn_role_name       = "${var.prefix}-training-sfn"
    state_machine_name  = "${var.prefix}-training"
    training_job_prefix = "${var.prefix}-train"
  }

  production = {
    action_role_name   = "${var.prefix}-deploy-action"
    deployer_name      = "${var.prefix}-deployer"
    deployer_role_name = "${var.prefix}-deployer"
    endpoint_name      = "${var.prefix}-endpoint"
    model_role_name    = "${var.prefix}-model-execution"
    sagemaker_prefix   = "${var.prefix}-model"
    # C's model store: built like A's bucket name (prefix, purpose, account, region), so it is globally unique
    # and at most 20 + 8 + 12 + 1 + 14 = 55 characters (S3 allows 63).
    model_store_bucket_name = "${var.prefix}-models-${var.accounts.production}-${var.region}"
    # C's SageMaker model registry group (names: 1-63 letters, digits, hyphens; the prefix leaves room).
    model_package_group_name = "${var.prefix}-models"
  }
}
