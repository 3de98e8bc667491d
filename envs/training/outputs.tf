output "action_role_arn" {
  description = "Role the pipeline in account A assumes to run the Train stage."
  value       = module.action_role.role_arn
}

output "sagemaker_role_arn" {
  description = "SageMaker training execution role."
  value       = module.training.sagemaker_role_arn
}

output "sfn_role_arn" {
  description = "Step Functions execution role."
  value       = module.training.sfn_role_arn
}

output "state_machine_arn" {
  description = "ARN of the training state machine."
  value       = module.training.state_machine_arn
}
