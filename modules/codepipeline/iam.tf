# The pipeline service role: trusted by CodePipeline for this pipeline only; least privilege on the artifact prefix,
# the CMK, the two cross-account action roles, the approval topic and the source.

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
