# The pipeline service role: trusted by CodePipeline for this pipeline only; least privilege on the artifact prefix,
# the CMK, the two cross-account action roles, the approval topic and the source. And the callback role, through
# which the deployer in account C answers the Deploy stage's jobs (at the end of this file).

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CodePipelineForThisPipeline"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codepipeline.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.pipeline_arn]
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid = "PipelineArtifacts"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:PutObject",
    ]
    resources = ["${var.artifact_bucket_arn}/${var.pipeline_artifact_prefix}*"]
  }

  statement {
    sid = "ArtifactBucket"
    # CodePipeline checks the artifact store's versioning and location (and the S3 source's versioning).
    actions = [
      "s3:GetBucketLocation",
      "s3:GetBucketVersioning",
    ]
    resources = [var.artifact_bucket_arn]
  }

  dynamic "statement" {
    for_each = local.source_type == "s3" ? [1] : []

    content {
      sid = "SourceObject"
      actions = [
        "s3:GetObject",
        "s3:GetObjectVersion",
      ]
      resources = [local.source_object_arn]
    }
  }

  statement {
    sid = "ArtifactKey"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:ReEncrypt*",
    ]
    resources = [var.artifact_kms_key_arn]
  }

  statement {
    sid     = "CrossAccountActionRoles"
    actions = ["sts:AssumeRole"]
    resources = [
      var.training.action_role_arn,
      var.deploy.action_role_arn,
    ]
  }

  statement {
    sid       = "ApprovalNotification"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]
  }

  dynamic "statement" {
    for_each = local.source_type == "codecommit" ? [1] : []

    content {
      sid = "CodeCommitSource"
      actions = [
        "codecommit:CancelUploadArchive",
        "codecommit:GetBranch",
        "codecommit:GetCommit",
        "codecommit:GetUploadArchiveStatus",
        "codecommit:UploadArchive",
      ]
      resources = [local.repository_arn]
    }
  }

  dynamic "statement" {
    for_each = local.source_type == "codeconnections" ? [1] : []

    content {
      sid = "ConnectionSource"
      actions = [
        "codeconnections:UseConnection",
        "codestar-connections:UseConnection",
      ]
      # The same connection under both service prefixes (connections created before the rename keep the
      # codestar-connections ARN; IAM evaluates either action name against either form).
      resources = distinct([
        replace(var.pipeline_source.connection_arn, ":codestar-connections:", ":codeconnections:"),
        replace(var.pipeline_source.connection_arn, ":codeconnections:", ":codestar-connections:"),
      ])
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.role_name
  description        = "Service role of pipeline ${var.name}; the only principal the training and deploy action roles trust."
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "pipeline"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.this.json
}

# The callback role: C's deployer (the Lambda behind Verify and Deploy, deploy.function_name) assumes it to report
# the job result to this pipeline and to read who approved. It trusts exactly the deployer's execution role
# (deploy.deployer_role_arn; modules/cross-account-role: account principal plus aws:PrincipalArn, valid before
# that role exists). Its ARN is built from its name (local.callback_role_arn), so the actions' UserParameters are
# known at plan time.
data "aws_iam_policy_document" "callback" {
  statement {
    sid     = "ReportDeploymentResult"
    actions = ["codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult"]
    # AWS supports no resource-level permission for these job actions: "*" is the only valid resource.
    resources = ["*"]
  }

  # The deployer reads who approved the execution (the Approve action's execution: its updatedBy and summary) for
  # the release record. ListActionExecutions is authorized on the pipeline (resource type pipeline, required:
  # Service Authorization Reference, CodePipeline,
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html).
  statement {
    sid       = "ReadApprover"
    actions   = ["codepipeline:ListActionExecutions"]
    resources = [local.pipeline_arn]
  }
}

module "callback_role" {
  source = "../cross-account-role"

  name              = var.deploy.callback_role_name
  trusted_role_arns = [var.deploy.deployer_role_arn]
  policies          = { report-deployment = data.aws_iam_policy_document.callback.json }
  tags              = var.tags
}
