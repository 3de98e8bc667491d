provider "aws" {
  region              = local.shared.contract.region
  allowed_account_ids = [local.shared.contract.accounts.training]

  default_tags {
    tags = merge(var.tags, { "mlops:account-role" = "training", "mlops:prefix" = local.shared.contract.prefix })
  }
}
