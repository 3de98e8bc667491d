
provider "aws" {
  region = "eu-west-1"

  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

module "this" {
  source = "../../modules/kms-bucket"
  access = var.access
  access_log_bucket = var.access_log_bucket
  bucket_name = var.bucket_name
  eventbridge_notifications = var.eventbridge_notifications
  key_administrators = var.key_administrators
  key_alias = var.key_alias
}
variable "access" {
  type = any
}
variable "access_log_bucket" {
  type = any
}
variable "bucket_name" {
  type = any
}
variable "eventbridge_notifications" {
  type = any
}
variable "key_administrators" {
  type = any
}
variable "key_alias" {
  type = any
}
output "bucket_arn" {
  value = module.this.bucket_arn
}
output "bucket_name" {
  value = module.this.bucket_name
}
output "bucket_policy" {
  value = module.this.bucket_policy
}
output "key_alias" {
  value = module.this.key_alias
}
output "key_arn" {
  value = module.this.key_arn
}
output "key_policy" {
  value = module.this.key_policy
}
