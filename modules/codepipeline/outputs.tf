output "approval_action_arn" {
  description = "ARN of the manual approval action (<pipeline ARN>/Approve/Approve): the resource of codepipeline:PutApprovalResult."
  value       = local.approval_action_arn
}

output "approval_topic_arn" {
  description = "ARN of the CMK-encrypted SNS topic that announces pending approvals."
  value       = aws_sns_topic.this.arn
}

output "callback_role_arn" {
  description = "ARN of the callback role (deploy.callback_role_name): the deployer's execution role in account C (deploy.deployer_role_arn, the only principal it trusts) assumes it to report job results (codepipeline:PutJobSuccessResult, PutJobFailureResult) and to read who approved (codepipeline:ListActionExecutions on this pipeline)."
  value       = module.callback_role.role_arn
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule that starts the pipeline on a source change (null for codeconnections, which uses the pipeline's V2 trigger)."
  value       = one(aws_cloudwatch_event_rule.this[*].arn)
}

output "pipeline_arn" {
  description = "ARN of the pipeline."
  value       = aws_codepipeline.this.arn
}

output "pipeline_name" {
  description = "Name of the pipeline."
  value       = aws_codepipeline.this.name
}

output "repository_arn" {
  description = "ARN of the CodeCommit repository (null unless pipeline_source.type is codecommit)."
  # Built from the name (known at plan time, like every ARN this module's policies use).
  value = local.repository_arn
}

output "role_arn" {
  description = "ARN of the pipeline service role (the principal that the action roles in B and C trust)."
  value       = aws_iam_role.this.arn
}

output "source_object_arn" {
  description = "ARN of the S3 source object (null unless pipeline_source.type is s3)."
  value       = local.source_object_arn
}

output "source_type" {
  description = "The source type in use: codecommit, s3 or codeconnections."
  value       = local.source_type
}

output "artifact_names" {
  description = "Names of the pipeline's artifacts: source (the Source action's output, the Train action's input) and training_output (the Train action's output, the input of Verify and Deploy). CodePipeline stores them under <pipeline name, 20 characters>/<artifact name, truncated>/ in the artifact bucket."
  value       = local.artifact_names
}
