# Accounts B and C read these through remote state (envs/training/remote-state.tf, envs/production/remote-state.tf).
# tests/test_contract.py checks that every output they read exists here.

output "approval_topic_arn" {
  description = "SNS topic of the manual approval (subscribe reviewers to it)."
  value       = module.pipeline.approval_topic_arn
}

output "artifact_bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = module.artifacts.bucket_arn
}

output "artifact_bucket_name" {
  description = "Name of the artifact bucket."
  value       = module.artifacts.bucket_name
}

output "artifact_kms_key_arn" {
  description = "ARN of the CMK that encrypts the artifact bucket, the training output and the approval topic."
  value       = module.artifacts.key_arn
}

output "artifact_prefixes" {
  description = "Key prefixes of the artifact bucket by purpose (pipeline, data, models, checkpoints, source)."
  value       = local.prefixes
}

output "callback_role_arn" {
  description = "Role that C's deployer assumes to report job results to the pipeline."
  value       = module.pipeline.callback_role_arn
}

output "contract" {
  description = "Inputs of modules/contract (prefix, accounts, region, partition): B and C derive every cross-account name from these."
  value = {
    accounts  = module.contract.accounts
    partition = module.contract.partition
    prefix    = module.contract.prefix
    region    = module.contract.region
  }
}

output "pipeline_name" {
  description = "Name of the pipeline."
  value       = module.pipeline.pipeline_name
}

output "pipeline_role_arn" {
  description = "Pipeline service role; B's and C's action roles trust exactly this ARN."
  value       = module.pipeline.role_arn
}

output "repository_clone_url_http" {
  description = "HTTPS clone URL of the CodeCommit repository (null for other source types)."
  value       = one(module.repository[*].repository_clone_url_http)
}

output "persona_policy_documents" {
  description = "Each persona's identity policy (JSON): for the owners of persona roles in other accounts and of IAM Identity Center permission sets, who attach it themselves (modules/personas)."
  value       = module.personas.policy_documents
}

output "persona_unattached_principals" {
  description = "Persona members whose policy Terraform did not attach (roles in other accounts, IAM Identity Center roles)."
  value       = module.personas.unattached_principals
}
