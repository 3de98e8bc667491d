output "role_arn" {
  description = "ARN of the role (grant.principal_arn, once the role exists)."
  value       = module.role.role_arn
}

output "role_name" {
  description = "Name of the role."
  value       = module.role.role_name
}

output "role_policy" {
  description = "The role's identity policy (JSON), built from the grant and the action."
  value       = data.aws_iam_policy_document.this.json
}

output "trust_policy" {
  description = "The role's trust policy (JSON): A's pipeline role only."
  value       = module.role.trust_policy
}
