output "repository_arn" {
  description = "ARN of the repository."
  value       = aws_codecommit_repository.this.arn
}

output "repository_clone_url_http" {
  description = "HTTPS clone URL of the repository."
  value       = aws_codecommit_repository.this.clone_url_http
}

output "repository_name" {
  description = "Name of the repository (pass it to modules/codepipeline as pipeline_source.repository_name)."
  value       = aws_codecommit_repository.this.repository_name
}
