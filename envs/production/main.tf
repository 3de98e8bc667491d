# Account C (production): the deployer Lambda, C's model store and model package group, the SageMaker model
# execution role, and the action role through which account A's pipeline invokes the deployer. Every name and ARN
# comes from the contract, computed from A's contract output; from A's state C reads only what cannot be derived:
# the artifact CMK's ARN.
module "contract" {
  source = "../../modules/contract"

  accounts  = local.shared.contract.accounts
  partition = local.shared.contract.partition
  prefix    = local.shared.contract.prefix
  region    = local.shared.contract.region
}

locals {
  a        = module.contract.shared
  c        = module.contract.production
  prefixes = module.contract.artifact_prefixes
  account  = module.contract.accounts.production
}

module "log_key" {
  source = "../../modules/kms-key"

  administrators  = var.key_administrators
  alias           = "alias/${module.contract.prefix}-deployer-logs"
  cloudwatch_logs = { account_id = local.account, region = module.contract.region }
  description     = "Encrypts the deployer's logs"
  tags            = var.tags
}

module "deployer" {
  source = "../../modules/prod-deployer"

  account_id           = local.account
  artifact_bucket_arn  = local.a.bucket_arn
  artifact_kms_key_arn = local.shared.artifact_kms_key_arn
  callback_role_arn    = local.a.callback_role_arn
  endpoint             = var.endpoint
  endpoint_name        = local.c.endpoint_name
  function_name        = local.c.deployer_name
  keep_versions        = var.deployer.keep_versions
  log_kms_key_arn      = module.log_key.key_arn
  log_retention_days   = var.deployer.log_retention_days
  memory_mb            = var.deployer.memory_mb
  model_prefix         = local.prefixes.models
  model_role_name      = local.c.model_role_name
  name_prefix          = local.c.sagemaker_prefix
  package_file         = var.package_file
  pipeline_name        = local.a.pipeline_name
  training_job_prefix  = module.contract.training.training_job_prefix
  xgboost_image_tag    = var.xgboost_image_tag

  model_package_group_name       = local.c.model_package_group_name
  model_store_bucket_name        = local.c.model_store_bucket_name
  model_store_key_administrators = var.key_administrators
  release_readers                = var.release_readers
  reserved_concurrency           = var.deployer.reserved_concurrency
  role_name                      = local.c.deployer_role_name
  runtime                        = var.deployer.runtime
  tags                           = var.tags
  timeout_seconds                = var.deployer.timeout_seconds
}

# What CodePipeline does with C's action role: invoke the deployer (Verify and Deploy) and read their one input,
# the training output artifact, in A's bucket: exactly C's action role's grant in the contract, which A's bucket
# and key policies grant too.
module "action_role" {
  source = "../../modules/pipeline-action-role"

  artifact_bucket_arn  = local.a.bucket_arn
  artifact_kms_key_arn = local.shared.artifact_kms_key_arn
  grant                = module.contract.grants.c_action
  pipeline_role_arn    = local.a.pipeline_role_arn
  policy_name          = "invoke-deployer"
  tags                 = var.tags

  action = {
    function_arn = local.c.deployer_arn
  }
}

# The role was a modules/cross-account-role call; it is that module's call inside modules/pipeline-action-role.
moved {
  from = module.action_role.aws_iam_role.this
  to   = module.action_role.module.role.aws_iam_role.this
}

moved {
  from = module.action_role.aws_iam_role_policy.this["invoke-deployer"]
  to   = module.action_role.module.role.aws_iam_role_policy.this["invoke-deployer"]
}
