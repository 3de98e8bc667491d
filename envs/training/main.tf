# Account B (training): the state machine that trains the model, its roles, and the action role through which
# account A's pipeline starts it. Every name comes from the contract, computed from A's outputs.
module "contract" {
  source = "../../modules/contract"

  accounts  = local.shared.contract.accounts
  partition = local.shared.contract.partition
  prefix    = local.shared.contract.prefix
  region    = local.shared.contract.region
}

locals {
  b         = module.contract.training
  region    = local.shared.contract.region
  account   = local.shared.contract.accounts.training
  partition = local.shared.contract.partition
}

module "log_key" {
  source = "../../modules/kms-key"

  administrators  = var.key_administrators
  alias           = "alias/${local.shared.contract.prefix}-training-logs"
  description     = "Encrypts the training state machine's logs"
  tags            = var.tags
  cloudwatch_logs = { account_id = local.account, region = local.region }
}

module "training" {
  source = "../../modules/training-sfn"

  account_id           = local.account
  artifact_bucket_name = local.shared.artifact_bucket_name
  artifact_kms_key_arn = local.shared.artifact_kms_key_arn
  checkpoint_prefix    = local.shared.artifact_prefixes.checkpoints
  data_prefix          = local.shared.artifact_prefixes.data
  instance_count       = var.training.instance_count
  instance_type        = var.training.instance_type
  log_kms_key_arn      = module.log_key.key_arn
  log_retention_days   = var.log_retention_days
  max_runtime_seconds  = var.training.max_runtime_seconds
  model_prefix         = local.shared.artifact_prefixes.models
  quality_gate         = var.quality_gate
  sagemaker_role_name  = local.b.sagemaker_role_name
  sfn_role_name        = local.b.sfn_role_name
  spot                 = var.training.spot
  state_machine_name   = local.b.state_machine_name
  tags                 = var.tags
  training_job_prefix  = local.b.training_job_prefix
  volume_size_gb       = var.training.volume_size_gb
  xgboost_image_tag    = var.training.xgboost_image_tag
}

# What CodePipeline does with B's action role: start and watch the execution, read its input (the source
# artifact) and write its output (the training output artifact) in A's bucket.
data "aws_iam_policy_document" "action" {
  statement {
    sid       = "RunTraining"
    actions   = ["states:DescribeStateMachine", "states:StartExecution"]
    resources = [local.b.state_machine_arn]
  }
  statement {
    sid       = "WatchTraining"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account}:execution:${local.b.state_machine_name}:*"]
  }
  # Only the two artifacts of the Train action: it reads the source artifact and writes the training output.
  # CodePipeline stores each under <pipeline folder>/<artifact name truncated>/, key patterns the contract derives
  # (modules/contract: artifact_prefixes.source_artifact and .training_output, the artifact name's first 10
  # characters and "*").
  statement {
    sid       = "ReadSourceArtifact"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.shared.artifact_bucket_arn}/${local.shared.artifact_prefixes.source_artifact}"]
  }
  statement {
    sid       = "WriteTrainingOutputArtifact"
    actions   = ["s3:PutObject"]
    resources = ["${local.shared.artifact_bucket_arn}/${local.shared.artifact_prefixes.training_output}"]
  }
  statement {
    sid       = "ArtifactKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = [local.shared.artifact_kms_key_arn]
  }
}

module "action_role" {
  source = "../../modules/cross-account-role"

  name              = local.b.action_role_name
  trusted_role_arns = [local.shared.pipeline_role_arn]
  policies          = { run-training = data.aws_iam_policy_document.action.json }
  tags              = var.tags
}
