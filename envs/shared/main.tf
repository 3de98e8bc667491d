# Account A (shared services): the artifact bucket and its CMK, the pipeline, and the role through which account C
# reports back to it (modules/codepipeline). B's and C's roles are named by the contract, and what A grants them is
# the contract's too: they do not exist yet when this is applied.
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

  # The workload roles' grants are the contract's (modules/contract, output grants: A's pipeline role, B's and C's
  # roles, each with why), the same objects B's and C's action roles build their identity policies from; their keys
  # sort in the order this list has always had, which numbers its statements. Only the people come from variables.
  access = concat(values(module.contract.grants), [
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

# The callback role (C's deployer reports job results through it) is the pipeline module's (modules/codepipeline,
# iam.tf), with the pipeline's other IAM.
moved {
  from = module.callback_role
  to   = module.pipeline.module.callback_role
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
    action_role_arn    = local.c.action_role_arn
    callback_role_name = local.a.callback_role_name
    deployer_role_arn  = local.c.deployer_role_arn
    function_name      = local.c.deployer_arn
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
