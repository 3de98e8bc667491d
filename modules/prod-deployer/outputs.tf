output "endpoint_log_group_name" {
  description = "Name of the endpoint's CloudWatch log group (/aws/sagemaker/Endpoints/<endpoint_name>), created with the log CMK before SageMaker writes to it."
  value       = aws_cloudwatch_log_group.endpoint.name
}

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

output "model_image_uri" {
  description = "The inference image the deployer puts in each model package (MODEL_IMAGE_URI), resolved in this account and region."
  value       = local.image_uri
}

output "model_package_group_arn" {
  description = "ARN of the SageMaker model package group (one version per release)."
  value       = aws_sagemaker_model_package_group.this.arn
}

output "model_package_group_name" {
  description = "Name of the SageMaker model package group (MODEL_PACKAGE_GROUP)."
  value       = aws_sagemaker_model_package_group.this.model_package_group_name
}

output "model_role_arn" {
  description = "ARN of the SageMaker model execution role (it reads models/ of C's model store only; A grants it nothing)."
  value       = aws_iam_role.model.arn
}

output "model_store_bucket_arn" {
  description = "ARN of C's model store bucket."
  value       = module.model_store.bucket_arn
}

output "model_store_bucket_name" {
  description = "Name of C's model store bucket (MODEL_STORE_BUCKET): incoming/, models/<sha256 hex>/model.tar.gz, releases/ (releases/current.json is the serving release)."
  value       = module.model_store.bucket_name
}

output "model_store_key_arn" {
  description = "ARN of the model store's CMK."
  value       = module.model_store.key_arn
}

output "role_arn" {
  description = "ARN of the deployer Lambda's execution role (A's callback role trusts it; A's bucket and key let it read the training outputs under models/)."
  value       = aws_iam_role.deployer.arn
}
