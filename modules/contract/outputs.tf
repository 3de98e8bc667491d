output "accounts" {
  description = "The three account IDs, as given."
  value       = var.accounts
}

output "artifact_prefixes" {
  description = "Key prefixes of the artifact bucket, by purpose: pipeline artifacts (CodePipeline writes under the first 20 characters of the pipeline name), training data, model outputs, spot checkpoints, S3 source objects; and the folders of two pipeline artifacts as key patterns ending in * (the pipeline folder, then the artifact name's first 10 characters: CodePipeline truncates artifact folder names): source_artifact (the Source action's output, which the Train action reads) and training_output (the Train action's output, which Verify and Deploy read)."
  value       = local.prefixes
}

output "grants" {
  description = "What each workload role that uses account A's artifact bucket and CMK may do there, by role (a_pipeline: A's pipeline role; b_action, b_sagemaker, b_sfn: B's action, SageMaker and Step Functions roles; c_action, c_deployer: C's action and deployer roles): objects with the attribute names of modules/kms-bucket's access entries (principal_arn, read_prefixes, write_prefixes, list, list_prefixes, list_versions_prefixes, key_use). A's bucket and key policies grant values(grants); each role's identity policy allows the same (modules/pipeline-action-role builds the action roles' from their grant)."
  value       = local.grants
}

output "partition" {
  description = "AWS partition, as given."
  value       = var.partition
}

output "prefix" {
  description = "Resource name prefix, as given."
  value       = var.prefix
}

output "region" {
  description = "AWS region, as given."
  value       = var.region
}

output "shared" {
  description = "Names and ARNs of account A's resources that other accounts refer to."
  value       = merge(local.shared, local.arns.shared)
}

output "training" {
  description = "Names and ARNs of account B's resources that other accounts refer to."
  value       = merge(local.training, local.arns.training)
}

output "production" {
  description = "Names and ARNs of account C's resources that other accounts refer to, including its model store (model_store_bucket_name/arn: the bucket only C's deployer writes, from which SageMaker serves) and its model registry group (model_package_group_name/arn)."
  value       = merge(local.production, local.arns.production)
}
