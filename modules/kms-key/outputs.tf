output "alias_name" {
  description = "Alias of the key."
  value       = aws_kms_alias.this.name
}

output "key_arn" {
  description = "ARN of the key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the key."
  value       = aws_kms_key.this.key_id
}

output "key_policy" {
  description = "The key policy document (JSON)."
  value       = data.aws_iam_policy_document.this.json
}
