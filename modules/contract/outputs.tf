output "accounts" {
  description = "The three account IDs, as given."
  value       = var.accounts
}

output "artifact_prefixes" {
  description = "Key prefixes of the artifact bucket, by purpose: pipeline artifacts (CodePipeline writes under the first 20 characters of the pipeline name), training data, model outputs, spot checkpoints, S3 source objects; and the folders of two pipeline artifacts as key patterns ending in * (the pipeline folder, then the artifact name's first 10 characters: CodePipeline truncates artifact folder names): source_artifact (the Source action's output, which the Train action reads) and training_output (the Train action's output, which Verify and Deploy read)."
  value = {
    pipeline        = "${local.pipeline_folder}/"
    source_artifact = local.artifact_folder_pattern.source_artifact
    training_output = local.artifact_folder_pattern.training_output
    data            = "data/"
    models          = "models/"
    checkpoints     = "checkpoints/"
    source          = "source/"
  }
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
  value = merge(local.shared, {
    bucket_arn        = "arn:${var.partition}:s3:::${local.shared.bucket_name}"
    callback_role_arn = "${local.iam.shared}:role/${local.shared.callback_role_name}"
    pipeline_arn      = "arn:${var.partition}:codepipeline:${var.region}:${var.accounts.shared}:${local.shared.pipeline_name}"
    pipeline_role_arn = "${local.iam.shared}:role/${local.shared.pipeline_role_name}"
  })
}

output "training" {
  description = "Names and ARNs of account B's resources that other accounts refer to."
  value = merge(local.training, {
    action_role_arn    = "${local.iam.training}:role/${local.training.action_role_name}"
    sagemaker_role_arn = "${local.iam.training}:role/${local.training.sagemaker_role_name}"
    sfn_role_arn       = "${local.iam.training}:role/${local.training.sfn_role_name}"
    state_machine_arn  = "arn:${var.partition}:states:${var.region}:${var.accounts.training}:stateMachine:${local.training.state_machine_name}"
  })
}

output "production" {
  description = "Names and ARNs of account C's resources that other accounts refer to, including its model store (model_store_bucket_name/arn: the bucket only C's deployer writes, from which SageMaker serves) and its model registry group (model_package_group_name/arn)."
  value = merge(local.production, {
    action_role_arn        = "${local.iam.production}:role/${local.production.action_role_name}"
    deployer_arn           = "arn:${var.partition}:lambda:${var.region}:${var.accounts.production}:function:${local.production.deployer_name}"
    deployer_role_arn      = "${local.iam.production}:role/${local.production.deployer_role_name}"
    model_role_arn         = "${local.iam.production}:role/${local.production.model_role_name}"
    model_store_bucket_arn = "arn:${var.partition}:s3:::${local.production.model_store_bucket_name}"
    # SageMaker lower-cases names in its ARNs; the prefix is lower case already.
    model_package_group_arn = "arn:${var.partition}:sagemaker:${var.region}:${var.accounts.production}:model-package-group/${local.production.model_package_group_name}"
  })
}
