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

output "model_role_arn" {
  description = "SageMaker model execution role."
  value       = module.deployer.model_role_arn
}
