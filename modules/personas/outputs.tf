output "policy_arns" {
  description = "ARN of each persona's customer managed policy (data-writer, source-writer, approver, observer), for the personas that have members."
  value       = { for name, p in aws_iam_policy.this : name => p.arn }
}

output "policy_documents" {
  description = "Each persona's policy document (JSON): what the owner of a role in another account, or of an IAM Identity Center permission set, grants to it."
  value       = { for name, d in data.aws_iam_policy_document.this : name => d.json }
}

output "unattached_principals" {
  description = "Persona members this module does not attach its policy to (roles in other accounts, IAM Identity Center roles): their owners attach the document from policy_documents, or reference the policy by name in the permission set."
  value = {
    for name, arns in local.personas : name => [
      for arn in arns : arn if !contains(keys(local.attachable), "${name}:${arn}")
    ]
  }
}
