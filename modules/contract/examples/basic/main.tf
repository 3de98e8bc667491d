# The contract creates nothing: each account root calls it with the same inputs and uses its names.
module "contract" {
  source = "../.."

  prefix   = "mlops"
  region   = "eu-west-1"
  accounts = { shared = "111111111111", training = "222222222222", production = "333333333333" }
}

output "pipeline_role_arn" {
  description = "The role that B's and C's action roles trust."
  value       = module.contract.shared.pipeline_role_arn
}

output "training_action_role_arn" {
  description = "B's action role, which A's pipeline role assumes."
  value       = module.contract.training.action_role_arn
}
