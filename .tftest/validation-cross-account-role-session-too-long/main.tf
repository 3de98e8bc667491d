
provider "aws" {
  region = "eu-west-1"

  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

module "this" {
  source = "../../modules/cross-account-role"
  max_session_duration = var.max_session_duration
  name = var.name
  policies = var.policies
  trusted_role_arns = var.trusted_role_arns
}
variable "max_session_duration" {
  type = any
}
variable "name" {
  type = any
}
variable "policies" {
  type = any
}
variable "trusted_role_arns" {
  type = any
}
output "role_arn" {
  value = module.this.role_arn
}
output "role_name" {
  value = module.this.role_name
}
output "trust_policy" {
  value = module.this.trust_policy
}
