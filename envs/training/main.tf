# Account B (training): the state machine that trains the model, its roles, and the action role through which
# account A's pipeline starts it. Every name and ARN comes from the contract, computed from A's contract output;
# from A's state B reads only what cannot be derived: the artifact CMK's ARN.
module "contract" {
  source = "../../modules/contract"

  accounts  = local.shared.contract.accounts
  partition = local.shared.contract.partition
  prefix    = local.shared.contract.prefix
  region    = local.shared.contract.region
}

locals {
  a        = module.contract.shared
  b        = module.contract.training
  prefixes = module.contract.artifact_prefixes
  region   = module.contract.region
  account  = module.contract.accounts.training
}

module "log_key" {
  source = "../../modules/kms-key"

  administrators  = var.key_administrators
  alias           = "alias/${module.contract.prefix}-training-logs"
  description     = "Encrypts the training state machine's logs"
  tags            = var.tags
  cloudwatch_logs = { account_id = local.account, region = local.region }
}

module "training" {
  source = "../../modules/training-sfn"

  account_id           = local.account
  artifact_bucket_name = local.a.bucket_name
  artifact_kms_key_arn = local.shared.artifact_kms_key_arn
  checkpoint_prefix    = local.prefixes.checkpoints
  data_prefix          = local.prefixes.data
  instance_count       = var.training.instance_count
  instance_type        = var.training.instance_type
  log_kms_key_arn      = module.log_key.key_arn
  log_retention_days   = var.log_retention_days
  max_runtime_seconds  = var.training.max_runtime_seconds
  model_prefix         = local.prefixes.models
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
# artifact) and write its output (the training output artifact) in A's bucket: exactly B's action role's grant in
# the contract, which A's bucket and key policies grant too.
module "action_role" {
  source = "../../modules/pipeline-action-role"

  artifact_bucket_arn  = local.a.bucket_arn
  artifact_kms_key_arn = local.shared.artifact_kms_key_arn
  grant                = module.contract.grants.b_action
  pipeline_role_arn    = local.a.pipeline_role_arn
  policy_name          = "run-training"
  tags                 = var.tags

  action = {
    state_machine_arn = local.b.state_machine_arn
  }
}

# The role was a modules/cross-account-role call; it is that module's call inside modules/pipeline-action-role.
moved {
  from = module.action_role.aws_iam_role.this
  to   = module.action_role.module.role.aws_iam_role.this
}

moved {
  from = module.action_role.aws_iam_role_policy.this["run-training"]
  to   = module.action_role.module.role.aws_iam_role_policy.this["run-training"]
}
