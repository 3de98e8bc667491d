# The cross-account contract, written once. Every name that one account must know about another account before
# that account exists is derived here from (prefix, accounts, region, partition). Each env calls this module with
# the same inputs (A from its variables, B and C from A's remote state), creates its own resources under these
# names, and grants or assumes the other accounts' ones by these ARNs. tests/test_contract.py proves that the
# ARNs A grants are exactly the ones B and C create.
#
# The cross-account grants are written here too (local.grants, output grants), once for both sides: A's bucket and
# key policies take them (envs/shared, modules/kms-bucket access), and B's and C's pipeline action roles build their
# identity policies from them (modules/pipeline-action-role).
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

  # ARNs (outputs shared, training, production), built from the names above: known before anything exists.
  arns = {
    shared = {
      bucket_arn        = "arn:${var.partition}:s3:::${local.shared.bucket_name}"
      callback_role_arn = "${local.iam.shared}:role/${local.shared.callback_role_name}"
      pipeline_arn      = "arn:${var.partition}:codepipeline:${var.region}:${var.accounts.shared}:${local.shared.pipeline_name}"
      pipeline_role_arn = "${local.iam.shared}:role/${local.shared.pipeline_role_name}"
    }
    training = {
      action_role_arn    = "${local.iam.training}:role/${local.training.action_role_name}"
      sagemaker_role_arn = "${local.iam.training}:role/${local.training.sagemaker_role_name}"
      sfn_role_arn       = "${local.iam.training}:role/${local.training.sfn_role_name}"
      state_machine_arn  = "arn:${var.partition}:states:${var.region}:${var.accounts.training}:stateMachine:${local.training.state_machine_name}"
    }
    production = {
      action_role_arn        = "${local.iam.production}:role/${local.production.action_role_name}"
      deployer_arn           = "arn:${var.partition}:lambda:${var.region}:${var.accounts.production}:function:${local.production.deployer_name}"
      deployer_role_arn      = "${local.iam.production}:role/${local.production.deployer_role_name}"
      model_role_arn         = "${local.iam.production}:role/${local.production.model_role_name}"
      model_store_bucket_arn = "arn:${var.partition}:s3:::${local.production.model_store_bucket_name}"
      # SageMaker lower-cases names in its ARNs; the prefix is lower case already.
      model_package_group_arn = "arn:${var.partition}:sagemaker:${var.region}:${var.accounts.production}:model-package-group/${local.production.model_package_group_name}"
    }
  }

  # Key prefixes of the artifact bucket (output artifact_prefixes).
  prefixes = {
    pipeline        = "${local.pipeline_folder}/"
    source_artifact = local.artifact_folder_pattern.source_artifact
    training_output = local.artifact_folder_pattern.training_output
    data            = "data/"
    models          = "models/"
    checkpoints     = "checkpoints/"
    source          = "source/"
  }

  # The training channels under data/ (modules/training-sfn reads <data>train/ and <data>validation/ and lists their
  # object versions; tests/test_contract.py checks that its output data_channel_prefixes agrees).
  data_channel_prefixes = [for channel in ["train", "validation"] : "${local.prefixes.data}${channel}/"]

  # What each workload role that uses A's artifact bucket and CMK may do there: A's bucket and key policies grant
  # exactly this (modules/kms-bucket, variable access, whose entries have these attribute names), and the role's
  # own identity policy must allow it too (a principal of another account needs both). The keys sort in the order
  # of the access list A has always had (its statement IDs, Read0, Write1..., number the entries): a_ for A, b_ for
  # B, c_ for C. Every attribute is set, so that every grant has one type.
  grants = {
    # A's pipeline role: CodePipeline reads and writes its artifacts and reads an S3 source object; it checks the
    # artifact store's location and versioning (list).
    a_pipeline = {
      principal_arn          = local.arns.shared.pipeline_role_arn
      read_prefixes          = [local.prefixes.pipeline, local.prefixes.source]
      write_prefixes         = [local.prefixes.pipeline]
      list                   = true
      list_prefixes          = []
      list_versions_prefixes = []
      key_use                = "full"
    }
    # B's action role reads the source artifact and writes the training output artifact for the pipeline: only
    # these two artifact folders (key patterns of the contract, the artifact name's first 10 characters and "*").
    b_action = {
      principal_arn          = local.arns.training.action_role_arn
      read_prefixes          = [local.prefixes.source_artifact]
      write_prefixes         = [local.prefixes.training_output]
      list                   = false
      list_prefixes          = []
      list_versions_prefixes = []
      key_use                = "full"
    }
    # SageMaker training reads the data, writes the model and (spot) checkpoints.
    b_sagemaker = {
      principal_arn          = local.arns.training.sagemaker_role_arn
      read_prefixes          = [local.prefixes.data, local.prefixes.checkpoints]
      write_prefixes         = [local.prefixes.models, local.prefixes.checkpoints]
      list                   = true
      list_prefixes          = []
      list_versions_prefixes = []
      key_use                = "full"
    }
    # The Step Functions role starts the training job with the CMK for output and volume: it needs key grants only.
    # It also pins each model that passed the gate: an in-place CopyObject of models/<job>/output/model.tar.gz
    # (read and write under models/; its identity policy narrows both to the job archives, writes to copies).
    # Before training it records the data versions: ListObjectVersions of exactly the two channel prefixes
    # (modules/training-sfn output data_channel_prefixes; tests/test_contract.py checks that they agree).
    b_sfn = {
      principal_arn          = local.arns.training.sfn_role_arn
      read_prefixes          = [local.prefixes.models]
      write_prefixes         = [local.prefixes.models]
      list                   = false
      list_prefixes          = []
      list_versions_prefixes = local.data_channel_prefixes
      key_use                = "full"
    }
    # C's action role reads the training output artifact that the deployer receives, and nothing else.
    c_action = {
      principal_arn          = local.arns.production.action_role_arn
      read_prefixes          = [local.prefixes.training_output]
      write_prefixes         = []
      list                   = false
      list_prefixes          = []
      list_versions_prefixes = []
      key_use                = "full"
    }
    # C's deployer copies the pinned model version into C's own store (its model role reads only that store,
    # nothing here); through S3 only.
    c_deployer = {
      principal_arn          = local.arns.production.deployer_role_arn
      read_prefixes          = [local.prefixes.models]
      write_prefixes         = []
      list                   = false
      list_prefixes          = []
      list_versions_prefixes = []
      key_use                = "s3"
    }
  }
}
