data "aws_partition" "current" {}

locals {
  # users grouped by account: one statement per account principal, each restricted to the exact role ARNs.
  user_accounts = distinct([for u in var.users : split(":", u)[4]])
  users_by_account = {
    for account in local.user_accounts : account => [for u in var.users : u if split(":", u)[4] == account]
  }
  # CloudWatch Logs encrypts log groups with the key; the encryption context binds each use to a log group of
  # this account and region.
  logs_service = var.cloudwatch_logs == null ? [] : [{
    principal = "logs.${var.cloudwatch_logs.region}.amazonaws.com"
    actions   = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    conditions = [{
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${var.cloudwatch_logs.region}:${var.cloudwatch_logs.account_id}:log-group:*"]
    }]
  }]
  services = concat(local.logs_service, var.services)

  usage_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
}

data "aws_iam_policy_document" "this" {
  # checkov:skip=CKV_AWS_109: this is a key policy: "*" is the key itself and principals are named, not "*".
  # checkov:skip=CKV_AWS_111: this is a key policy: "*" is the key itself and principals are named, not "*".
  # checkov:skip=CKV_AWS_356: this is a key policy: "*" is the key itself and principals are named, not "*".
  statement {
    sid = "KeyAdministration"
    principals {
      type        = "AWS"
      identifiers = var.administrators
    }
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
      "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
      "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:RetireGrant", "kms:ScheduleKeyDeletion",
      "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
      "kms:RotateKeyOnDemand",
    ]
    # In a key policy "*" means this key.
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.users_by_account
    content {
      sid = "UseFrom${statement.key}"
      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.key}:root"]
      }
      actions   = local.usage_actions
      resources = ["*"]
      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = local.users_by_account
    content {
      sid = "GrantsForAwsResourcesFrom${statement.key}"
      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.key}:root"]
      }
      actions   = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
      resources = ["*"]
      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = statement.value
      }
      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = { for i, s in local.services : i => s }
    content {
      sid = "Service${statement.key}"
      principals {
        type        = "Service"
        identifiers = [statement.value.principal]
      }
      actions   = statement.value.actions
      resources = ["*"]
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  deletion_window_in_days = var.deletion_window_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.this.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = var.alias
  target_key_id = aws_kms_key.this.key_id
}
