
provider "aws" {
  region = "eu-west-1"

  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

module "this" {
  source = "../../modules/contract"
  accounts = var.accounts
  prefix = var.prefix
  region = var.region
}
variable "accounts" {
  type = any
}
variable "prefix" {
  type = any
}
variable "region" {
  type = any
}
output "accounts" {
  value = module.this.accounts
}
output "artifact_prefixes" {
  value = module.this.artifact_prefixes
}
output "partition" {
  value = module.this.partition
}
output "prefix" {
  value = module.this.prefix
}
output "region" {
  value = module.this.region
}
output "shared" {
  value = module.this.shared
}
output "training" {
  value = module.this.training
}
output "production" {
  value = module.this.production
}
