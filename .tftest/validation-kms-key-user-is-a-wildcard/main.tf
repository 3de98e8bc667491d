
provider "aws" {
  region = "eu-west-1"

  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

module "this" {
  source = "../../modules/kms-key"
  administrators = var.administrators
  alias = var.alias
  cloudwatch_logs = var.cloudwatch_logs
  description = var.description
  users = var.users
}
variable "administrators" {
  type = any
}
variable "alias" {
  type = any
}
variable "cloudwatch_logs" {
  type = any
}
variable "description" {
  type = any
}
variable "users" {
  type = any
}
output "alias_name" {
  value = module.this.alias_name
}
output "key_arn" {
  value = module.this.key_arn
}
output "key_id" {
  value = module.this.key_id
}
output "key_policy" {
  value = module.this.key_policy
}
