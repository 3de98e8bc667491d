output "action_role_arn" {
  description = "Role the pipeline in account A assumes to run the Deploy stage."
  value       = module.action_role.role_arn
}

output "deployer_function_arn" {
  description = "ARN of the deployer Lambda."
  value       = module.deployer.function_arn
}

output "deployer_role_arn" {
  description = "Execution role of the deployer; A's callback role trusts exactly this ARN."
  value       = module.deployer.role_arn
}

output "endpoint_name" {
  description = "Name of the production SageMaker endpoint the deployer creates and updates."
  value       = module.deployer.endpoint_name
}

output "model_package_group_name" {
  description = "SageMaker model package group of the releases (one model package version per approved execution)."
  value       = module.deployer.model_package_group_name
}

output "model_role_arn" {
  description = "SageMaker model execution role."
  value       = module.deployer.model_role_arn
}

output "model_store_bucket_name" {
  description = "C's model store: incoming/, models/<sha256 hex>/model.tar.gz (what the endpoint serves), releases/."
  value       = module.deployer.model_store_bucket_name
}

output "release_record_url" {
  description = "The serving release's record (source revision, data versions, metrics, approver, time, model package)."
  value       = "s3://${local.c.model_store_bucket_name}/releases/current.json"
}
