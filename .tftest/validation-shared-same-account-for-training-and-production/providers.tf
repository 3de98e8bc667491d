provider "aws" {
  region              = var.region
  allowed_account_ids = [var.accounts.shared]

  default_tags {
    tags = merge(var.tags, { "mlops:account-role" = "shared", "mlops:prefix" = var.prefix })
  }
}

data "aws_partition" "current" {}
