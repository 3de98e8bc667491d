# The source: a CodeCommit repository (modules/codecommit-repository, passed here by name), an object in the
# artifact bucket, or a CodeConnections repository; and, for the first two, the EventBridge rule that starts the
# pipeline on a change (no polling).

locals {
  event_patterns = {
    # A push (branch created or updated) to the configured branch of the repository.
    codecommit = {
      source        = ["aws.codecommit"]
      "detail-type" = ["CodeCommit Repository State Change"]
      resources     = [local.repository_arn]
      detail = {
        event         = ["referenceCreated", "referenceUpdated"]
        referenceType = ["branch"]
        referenceName = [var.pipeline_source.branch]
      }
    }
    # A new version of the source object (the bucket sends its events to EventBridge; modules/kms-bucket enables it).
    s3 = {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = {
        bucket = { name = [var.artifact_bucket_name] }
        object = { key = [var.pipeline_source.s3_object_key] }
      }
    }
  }
  uses_event_rule = contains(["codecommit", "s3"], local.source_type)
}

resource "aws_cloudwatch_event_rule" "this" {
  count = local.uses_event_rule ? 1 : 0

  name          = local.rule_name
  description   = "Starts pipeline ${var.name} when its ${local.source_type} source changes."
  event_pattern = jsonencode(local.event_patterns[local.source_type])
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  count = local.uses_event_rule ? 1 : 0

  rule      = aws_cloudwatch_event_rule.this[0].name
  target_id = "codepipeline"
  arn       = aws_codepipeline.this.arn
  role_arn  = aws_iam_role.events[0].arn
}

data "aws_iam_policy_document" "events_trust" {
  statement {
    sid     = "EventBridgeRuleOnly"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.rule_arn]
    }
  }
}

data "aws_iam_policy_document" "events" {
  statement {
    sid       = "StartThisPipeline"
    actions   = ["codepipeline:StartPipelineExecution"]
    resources = [local.pipeline_arn]
  }
}

resource "aws_iam_role" "events" {
  count = local.uses_event_rule ? 1 : 0

  name               = local.events_role_name
  description        = "Assumed by EventBridge rule ${local.rule_name} to start pipeline ${var.name}."
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "events" {
  count = local.uses_event_rule ? 1 : 0

  name   = "start-pipeline"
  role   = aws_iam_role.events[0].name
  policy = data.aws_iam_policy_document.events.json
}
