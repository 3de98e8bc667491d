provider "aws" {
  region              = local.shared.contract.region
  allowed_account_ids = [local.shared.contract.accounts.production]

  default_tags {
    tags = merge(var.tags, { "mlops:account-role" = "production", "mlops:prefix" = local.shared.contract.prefix })
  }
}
