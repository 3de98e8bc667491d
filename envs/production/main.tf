# Account C (production): the deployer Lambda, C's model store and model package group, the SageMaker model
# execution role, and the action role through which account A's pipeline invokes the deployer. Every name comes from the contract, computed from A's outputs.
module "contract" {
  source = "../../modules/contract"

  accounts  = local.shared.contract.accounts
  partition = local.shared.contract.partition
  prefix    = local.shared.contract.prefix
  region    = local.shared.contract.region
}

locals {
  c       = module.contract.production
  account = local.shared.contract.accounts.production
}

module "log_key" {
  source = "../../modules/kms-key"

  administrators  = var.key_administrators
  alias           = "alias/${local.shared.contract.prefix}-deployer-logs"
  cloudwatch_logs = { account_id = local.account, region = local.shared.contract.region }
  description     = "Encrypts the deployer's logs"
  tags            = var.tags
}

module "deployer" {
  source = "../../modules/prod-deployer"

  account_id           = local.account
  artifact_bucket_arn  = local.shared.artifact_bucket_arn
  artifact_kms_key_arn = local.shared.artifact_kms_key_arn
  callback_role_arn    = local.shared.callback_role_arn
  endpoint             = var.endpoint
  endpoint_name        = local.c.endpoint_name
  function_name        = local.c.deployer_name
  keep_versions        = var.deployer.keep_versions
  log_kms_key_arn      = module.log_key.key_arn
  log_retention_days   = var.deployer.log_retention_days
  memory_mb            = var.deployer.memory_mb
  model_prefix         = local.shared.artifact_prefixes.models
  model_role_name      = local.c.model_role_name
  name_prefix          = local.c.sagemaker_prefix
  package_file         = var.package_file
  pipeline_name        = local.shared.pipeline_name
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

# What CodePipeline does with C's action role: invoke the deployer and read the training output artifact.
data "aws_iam_policy_document" "action" {
  statement {
    sid       = "InvokeDeployer"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.c.deployer_arn]
  }
  statement {
    sid     = "FindDeployer"
    actions = ["lambda:ListFunctions"]
    # lambda:ListFunctions supports no resource-level permission: "*" is the only valid resource.
    resources = ["*"]
  }
  # Only the training output artifact, the one input artifact of Verify and Deploy: CodePipeline stores it under
  # <pipeline folder>/<artifact name truncated>/, a key pattern the contract derives (modules/contract:
  # artifact_prefixes.training_output, the artifact name's first 10 characters and "*").
  statement {
    sid       = "ReadTrainingOutputArtifact"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.shared.artifact_bucket_arn}/${local.shared.artifact_prefixes.training_output}"]
  }
  statement {
    sid       = "ArtifactKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [local.shared.artifact_kms_key_arn]
  }
}

module "action_role" {
  source = "../../modules/cross-account-role"

  name              = local.c.action_role_name
  trusted_role_arns = [local.shared.pipeline_role_arn]
  policies          = { invoke-deployer = data.aws_iam_policy_document.action.json }
  tags              = var.tags
}
