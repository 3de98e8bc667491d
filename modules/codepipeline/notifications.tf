# Approval notifications: an SNS topic encrypted with the CMK, publishable only by the pipeline role over TLS.

resource "aws_sns_topic" "this" {
  # checkov:skip=CKV_AWS_26: the topic is encrypted with var.artifact_kms_key_arn (a CMK); in a plan the key is unknown until created, which this check reads as missing. The HCL scan passes it.
  name              = local.topic_name
  display_name      = "${var.name} approval"
  kms_master_key_id = var.artifact_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "PipelineRolePublishes"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]

    principals {
      type        = "AWS"
      identifiers = [local.role_arn]
    }
  }

  statement {
    sid       = "OthersDoNotPublish"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [local.role_arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:*"]
    resources = [local.topic_arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  # checkov:skip=CKV_AWS_385: the only "*" principals are in Deny statements (non-TLS, anyone but the pipeline role); the one Allow names the pipeline role of this account.
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json

  # The policy names the role by its (plan-time) ARN; SNS rejects principals that do not exist yet.
  depends_on = [aws_iam_role.this]
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.approval.emails)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}
