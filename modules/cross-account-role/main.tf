data "aws_partition" "current" {}

locals {
  trusted_accounts = distinct([for a in var.trusted_role_arns : split(":", a)[4]])
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "TrustExactRoles"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [for account in local.trusted_accounts : "arn:${data.aws_partition.current.partition}:iam::${account}:root"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = var.trusted_role_arns
    }
    dynamic "condition" {
      for_each = var.external_id == null ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  # checkov:skip=CKV_AWS_61: the trust names account principals only together with an aws:PrincipalArn condition on exact role ARNs (validated; custom check CKV_MLOPS_2), not "all services".
  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = var.policies

  name   = each.key
  role   = aws_iam_role.this.name
  policy = each.value
}
