data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition

  # Every IAM principal is granted through its account principal plus an aws:PrincipalArn condition, never by its
  # ARN in Principal. KMS replaces a role ARN in Principal with the role's unique ID, so a role that is deleted and
  # re-created (an IAM Identity Center permission set re-provisioned, say) loses its rights; for administrators that
  # means nobody can manage the key without AWS Support. aws:PrincipalArn is compared at request time: a re-created
  # role with the same ARN keeps its rights, and no other principal of the account gains any. The account principal
  # also means the principal needs an IAM policy of its own allowing the action (AWS checks both).
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
  # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
  admins_by_account = {
    for account in distinct([for a in var.administrators : split(":", a)[4]]) :
    account => [for a in var.administrators : a if split(":", a)[4] == account]
  }
  users_by_account = {
    for account in distinct([for u in var.users : split(":", u)[4]]) :
    account => [for u in var.users : u if split(":", u)[4] == account]
  }
  # People use the key only through the one service they work with (kms:ViaService): one statement per entry and
  # account. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
  service_users = merge([
    for u in var.service_users : {
      for account in distinct([for a in u.principal_arns : split(":", a)[4]]) :
      "${u.name}From${account}" => {
        account     = account
        actions     = u.actions
        principals  = [for a in u.principal_arns : a if split(":", a)[4] == account]
        via_service = u.via_service
      }
    }
  ]...)

  # CloudWatch Logs encrypts log groups with the key; the encryption context binds each use to a log group of
  # this account and region.
  logs_service = var.cloudwatch_logs == null ? [] : [{
    principal = "logs.${var.cloudwatch_logs.region}.amazonaws.com"
    actions   = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    conditions = [{
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.cloudwatch_logs.region}:${var.cloudwatch_logs.account_id}:log-group:*"]
    }]
  }]
  services = concat(local.logs_service, var.services)

  # Administration only: no Encrypt, Decrypt, GenerateDataKey or ReEncrypt, so an administrator cannot read what
  # the key protects.
  admin_actions = [
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
    "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
    "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:RetireGrant", "kms:ScheduleKeyDeletion",
    "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
    "kms:RotateKeyOnDemand",
  ]
  usage_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
}

data "aws_iam_policy_document" "this" {
  # checkov:skip=CKV_AWS_109: this is a key policy: "*" is the key itself and principals are named, not "*".
  # checkov:skip=CKV_AWS_111: this is a key policy: "*" is the key itself and principals are named, not "*".
  # checkov:skip=CKV_AWS_356: this is a key policy: "*" is the key itself and principals are named, not "*".
  dynamic "statement" {
    for_each = local.admins_by_account
    content {
      sid = "KeyAdministrationFrom${statement.key}"
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${statement.key}:root"]
      }
      actions = local.admin_actions
      # In a key policy "*" means this key.
      resources = ["*"]
      # ArnLike: an IAM Identity Center role is named by a pattern (its name's suffix changes when the permission
      # set is re-provisioned); an exact ARN matches only itself.
      # https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = local.users_by_account
    content {
      sid = "UseFrom${statement.key}"
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${statement.key}:root"]
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
        identifiers = ["arn:${local.partition}:iam::${statement.key}:root"]
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
    for_each = local.service_users
    content {
      sid = "Use${statement.key}"
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${statement.value.account}:root"]
      }
      actions   = statement.value.actions
      resources = ["*"]
      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.principals
      }
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [statement.value.via_service]
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
