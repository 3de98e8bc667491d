# The source: a CodeCommit repository (created here), an object in the artifact bucket, or a CodeConnections
# repository; and, for the first two, the EventBridge rule that starts the pipeline on a change (no polling).

resource "aws_codecommit_repository" "this" {
  count = local.source_type == "codecommit" ? 1 : 0

  repository_name = var.pipeline_source.repository_name
  description     = "Training source of pipeline ${var.name} (training configuration and code)."
  default_branch  = var.pipeline_source.branch
  # No kms_key_id: CodeCommit's AWS managed key (aws/codecommit), on purpose. With a customer managed key, everyone
  # who creates, pushes to or pulls from the repository needs kms:Encrypt, Decrypt, GenerateDataKey and DescribeKey
  # on it, including the role that runs Terraform: the artifact CMK's administrators may not use it, so
  # CreateRepository would fail, and every source writer and the pipeline role would become key users. The
  # AWS managed key can only be used through CodeCommit in this account, and IAM (codecommit:GitPush) stays the
  # one control over who writes the source. https://docs.aws.amazon.com/codecommit/latest/userguide/encryption.html
  tags = var.tags
}

# Pull requests into the pipeline's branch need approvals (CodeCommit approval rules apply to pull requests; whoever
# may push to the branch directly is governed by IAM in account A).
resource "aws_codecommit_approval_rule_template" "this" {
  count = local.source_type == "codecommit" && var.pipeline_source.pull_request_approvals > 0 ? 1 : 0

  name        = "${var.name}-review"
  description = "Pull requests into ${var.pipeline_source.branch} of the training source of ${var.name} need ${var.pipeline_source.pull_request_approvals} approval(s)."
  content = jsonencode({
    Version               = "2018-11-08"
    DestinationReferences = ["refs/heads/${var.pipeline_source.branch}"]
    Statements = [{
      Type                    = "Approvers"
      NumberOfApprovalsNeeded = var.pipeline_source.pull_request_approvals
    }]
  })
}

resource "aws_codecommit_approval_rule_template_association" "this" {
  count = length(aws_codecommit_approval_rule_template.this)

  approval_rule_template_name = aws_codecommit_approval_rule_template.this[0].name
  repository_name             = aws_codecommit_repository.this[0].repository_name
}

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
