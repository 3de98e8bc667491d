output "image_uri" {
  description = "URI of the built-in XGBoost image the training jobs run (this region's sagemaker-xgboost registry, pinned tag)."
  value       = local.image_uri
}

output "log_group_arn" {
  description = "ARN of the state machine's CloudWatch log group (encrypted with log_kms_key_arn)."
  value       = aws_cloudwatch_log_group.this.arn
}

output "sagemaker_role_arn" {
  description = "ARN of the SageMaker training execution role."
  value       = aws_iam_role.sagemaker.arn
}

output "sfn_role_arn" {
  description = "ARN of the Step Functions execution role."
  value       = aws_iam_role.sfn.arn
}

output "state_machine_arn" {
  description = "ARN of the training state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_definition" {
  description = "The rendered Amazon States Language definition (JSON) of the state machine."
  value       = local.definition
}

output "state_machine_name" {
  description = "Name of the training state machine."
  value       = aws_sfn_state_machine.this.name
}

output "quality_gate_metrics" {
  description = "The metrics the state machine can gate on (validation:<metric> as SageMaker reports it), each with its direction: true when higher is better."
  value       = local.gate_metrics
}

output "data_channel_prefixes" {
  description = "Key prefixes of the training channels (<data_prefix>train/, <data_prefix>validation/): what the jobs read and the state machine lists the object versions of (s3:ListBucketVersions with s3:prefix exactly these: account A's bucket policy must grant the same)."
  value       = local.data_channel_prefixes
}
