output "bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_name" {
  description = "Name of the artifact bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_policy" {
  description = "The bucket policy document (JSON)."
  value       = data.aws_iam_policy_document.bucket.json
}

output "key_alias" {
  description = "Alias of the CMK."
  value       = module.key.alias_name
}

output "key_arn" {
  description = "ARN of the CMK that encrypts the bucket."
  value       = module.key.key_arn
}

output "key_policy" {
  description = "The CMK's key policy document (JSON)."
  value       = module.key.key_policy
}
