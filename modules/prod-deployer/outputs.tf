output "endpoint_name" {
  description = "Name of the SageMaker endpoint the deployer manages."
  value       = var.endpoint_name
}

output "function_arn" {
  description = "ARN of the deployer Lambda function (what C's deploy action role may invoke)."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the deployer Lambda function (the pipeline's Deploy action FunctionName)."
  value       = aws_lambda_function.this.function_name
}

output "log_group_name" {
  description = "Name of the deployer's CloudWatch log group (JSON lines, one per step)."
  value       = aws_cloudwatch_log_group.this.name
}

output "model_role_arn" {
  description = "ARN of the SageMaker model execution role (A's key and bucket policies must allow it to read models)."
  value       = aws_iam_role.model.arn
}

output "role_arn" {
  description = "ARN of the deployer Lambda's execution role (A's callback role must trust it)."
  value       = aws_iam_role.deployer.arn
}
