# Account A (shared services): the artifact bucket and its CMK, the pipeline, and the role through which account C
# reports back to it. B's and C's roles are named by the contract: they do not exist yet when this is applied.
module "contract" {
  source = "../../modules/contract"

  accounts  = var.accounts
  partition = data.aws_partition.current.partition
  prefix    = var.prefix
  region    = var.region
}

locals {
  a        = module.contract.shared
  b        = module.contract.training
  c        = module.contract.production
  prefixes = module.contract.artifact_prefixes
}

module "artifacts" {
  source = "../../modules/kms-bucket"

  access_log_bucket         = var.access_log_bucket
  bucket_name               = local.a.bucket_name
  eventbridge_notifications = var.pipeline_source.type == "s3"
  force_destroy             = var.force_destroy
  key_administrators        = var.key_administrators
  key_alias                 = local.a.key_alias
  tags                      = var.tags

  access = concat([
    {
      principal_arn  = local.a.pipeline_role_arn
      read_prefixes  = [local.prefixes.pipeline, local.prefixes.source]
      write_prefixes = [local.prefixes.pipeline]
      list           = true
    },
    # B's action role reads the source artifact and writes the training output artifact for the pipeline: only
    # these two artifact folders (key patterns of the contract, the artifact name's first 10 characters and "*").
    { principal_arn = local.b.action_role_arn, read_prefixes = [local.prefixes.source_artifact], write_prefixes = [local.prefixes.training_output] },
    # SageMaker training reads the data, writes the model and (spot) checkpoints.
    {
      principal_arn  = local.b.sagemaker_role_arn
      read_prefixes  = [local.prefixes.data, local.prefixes.checkpoints]
      write_prefixes = [local.prefixes.models, local.prefixes.checkpoints]
      list           = true
    },
    # The Step Functions role starts the training job with the CMK for output and volume: it needs key grants only.
    # It also pins each model that passed the gate: an in-place CopyObject of models/<job>/output/model.tar.gz
    # (read and write under models/; its identity policy narrows both to the job archives, writes to copies).
    # Before training it records the data versions: ListObjectVersions of exactly the two channel prefixes
    # (modules/training-sfn output data_channel_prefixes; tests/test_contract.py checks that they agree).
    {
      principal_arn          = local.b.sfn_role_arn
      read_prefixes          = [local.prefixes.models]
      write_prefixes         = [local.prefixes.models]
      list_versions_prefixes = [for channel in ["train", "validation"] : "${local.prefixes.data}${channel}/"]
    },
    # C's action role reads the training output artifact that the deployer receives, and nothing else.
    { principal_arn = local.c.action_role_arn, read_prefixes = [local.prefixes.training_output] },
    # C's deployer copies the pinned model version into C's own store (its model role reads only that store,
    # nothing here); through S3 only.
    { principal_arn = local.c.deployer_role_arn, read_prefixes = [local.prefixes.models], key_use = "s3" },
    ], [
    # People (modules/personas has their identity policies): they use the key only through S3, for their own objects.
    for arn in var.data_writers : {
      principal_arn  = arn
      write_prefixes = [local.prefixes.data]
      list_prefixes  = [local.prefixes.data]
      key_use        = "s3"
    }
    ], [
    for arn in var.source_writers : {
      principal_arn = arn
      write_keys    = [var.pipeline_source.s3_object_key]
      key_use       = "s3"
    } if var.pipeline_source.type == "s3"
  ])
}

data "aws_iam_policy_document" "callback" {
  statement {
    sid     = "ReportDeploymentResult"
    actions = ["codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult"]
    # AWS supports no resource-level permission for these job actions: "*" is the only valid resource.
    resources = ["*"]
  }

  # The deployer reads who approved the execution (the Approve action's execution: its updatedBy and summary) for
  # the release record. ListActionExecutions is authorized on the pipeline (resource type pipeline, required:
  # Service Authorization Reference, CodePipeline,
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html).
  statement {
    sid       = "ReadApprover"
    actions   = ["codepipeline:ListActionExecutions"]
    resources = [local.a.pipeline_arn]
  }
}

module "callback_role" {
  source = "../../modules/cross-account-role"

  name              = local.a.callback_role_name
  trusted_role_arns = [local.c.deployer_role_arn]
  policies          = { report-deployment = data.aws_iam_policy_document.callback.json }
  tags              = var.tags
}

# The repository lives outside the pipeline module: replacing or destroying the pipeline never destroys it.
module "repository" {
  source = "../../modules/codecommit-repository"
  count  = var.pipeline_source.type == "codecommit" ? 1 : 0

  default_branch         = var.pipeline_source.branch
  description            = "Training source of pipeline ${local.a.pipeline_name} (training configuration and code)."
  name                   = var.pipeline_source.repository_name
  pull_request_approvals = var.pipeline_source.pull_request_approvals
  tags                   = var.tags
}

moved {
  from = module.pipeline.aws_codecommit_repository.this[0]
  to   = module.repository[0].aws_codecommit_repository.this
}

moved {
  from = module.pipeline.aws_codecommit_approval_rule_template.this
  to   = module.repository[0].aws_codecommit_approval_rule_template.this
}

moved {
  from = module.pipeline.aws_codecommit_approval_rule_template_association.this
  to   = module.repository[0].aws_codecommit_approval_rule_template_association.this
}

module "pipeline" {
  source = "../../modules/codepipeline"

  account_id               = var.accounts.shared
  approval                 = var.approval
  artifact_bucket_arn      = local.a.bucket_arn # known at plan time, so the pipeline role policy can be checked before apply
  artifact_bucket_name     = module.artifacts.bucket_name
  artifact_kms_key_arn     = module.artifacts.key_arn
  name                     = local.a.pipeline_name
  pipeline_artifact_prefix = local.prefixes.pipeline
  # The repository's name through its module: the pipeline is created after the repository.
  pipeline_source = merge(var.pipeline_source, {
    repository_name = one(module.repository[*].repository_name)
  })
  role_name            = local.a.pipeline_role_name
  source_object_prefix = local.prefixes.source
  tags                 = var.tags

  training = {
    action_role_arn   = local.b.action_role_arn
    state_machine_arn = local.b.state_machine_arn
  }

  deploy = {
    action_role_arn   = local.c.action_role_arn
    callback_role_arn = local.a.callback_role_arn # contract name, known at plan time; created above
    function_name     = local.c.deployer_arn
  }
}

module "personas" {
  source = "../../modules/personas"

  account_id           = var.accounts.shared
  approvers            = var.approvers
  artifact_bucket_arn  = module.artifacts.bucket_arn
  artifact_kms_key_arn = module.artifacts.key_arn
  data_prefix          = local.prefixes.data
  data_writers         = var.data_writers
  name_prefix          = var.prefix
  observers            = var.observers
  region               = var.region
  source_writers       = var.source_writers
  tags                 = var.tags

  pipeline = {
    name                = module.pipeline.pipeline_name
    arn                 = local.a.pipeline_arn # plan-time ARNs: the policies can be checked before apply
    approval_action_arn = module.pipeline.approval_action_arn
    source_type         = module.pipeline.source_type
    repository_arn      = module.pipeline.repository_arn
    source_object_arn   = module.pipeline.source_object_arn
  }
}
