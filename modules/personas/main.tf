# The people who run the pipeline in account A, each with exactly what their job needs: a customer managed policy
# per persona, attached to the persona's roles that Terraform can attach to (exact role ARNs in account A, outside
# the aws-reserved/ path that IAM Identity Center owns). The rest (roles in other accounts, Identity Center
# permission sets) get the same document from their owner: `policy_documents` is the single source for both.
# The bucket and key policies that let these principals in are built by modules/kms-bucket from the same lists
# (envs/shared). CodePipeline and CodeCommit have no resource-based policies, so for them the identity policy is
# the only grant: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html
data "aws_partition" "current" {}

locals {
  partition   = data.aws_partition.current.partition
  s3_endpoint = "s3.${var.region}.amazonaws.com"

  # Reading the pipeline, its executions and its action executions (approvers need it to see what they approve).
  # https://docs.aws.amazon.com/codepipeline/latest/userguide/permissions-reference.html
  pipeline_read = {
    sid        = "ReadPipeline"
    actions    = ["codepipeline:GetPipeline", "codepipeline:GetPipelineExecution", "codepipeline:GetPipelineState", "codepipeline:ListActionExecutions", "codepipeline:ListPipelineExecutions"]
    resources  = [var.pipeline.arn]
    conditions = []
  }

  # Key use through S3 only: kms:GenerateDataKey to write an SSE-KMS object, kms:Decrypt to complete a multipart
  # upload. https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
  s3_key_use = {
    sid        = "ArtifactKeyThroughS3"
    actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources  = [var.artifact_kms_key_arn]
    conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = [local.s3_endpoint] }]
  }

  statements = {
    "data-writer" = [
      {
        sid        = "PutTrainingData"
        actions    = ["s3:AbortMultipartUpload", "s3:PutObject"]
        resources  = ["${var.artifact_bucket_arn}/${var.data_prefix}*"]
        conditions = []
      },
      {
        sid        = "ListTrainingData"
        actions    = ["s3:ListBucket"]
        resources  = [var.artifact_bucket_arn]
        conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["${var.data_prefix}*"] }]
      },
      local.s3_key_use,
    ]
    "source-writer" = {
      s3 = [
        {
          sid        = "PutSourceObject"
          actions    = ["s3:AbortMultipartUpload", "s3:PutObject"]
          resources  = [var.pipeline.source_object_arn]
          conditions = []
        },
        local.s3_key_use,
      ]
      # The repository is encrypted with CodeCommit's AWS managed key (modules/codepipeline/source.tf says why), so
      # pushing and pulling need no key permission of their own.
      # https://docs.aws.amazon.com/codecommit/latest/userguide/encryption.html
      codecommit = [
        {
          sid        = "PushToRepository"
          actions    = ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:GetRepository", "codecommit:GitPull", "codecommit:GitPush", "codecommit:ListBranches"]
          resources  = [var.pipeline.repository_arn]
          conditions = []
        },
      ]
      codeconnections = []
    }[var.pipeline.source_type]
    # PutApprovalResult names the approval action itself: <pipeline ARN>/<stage>/<action>.
    # https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-iam-permissions.html
    approver = [
      {
        sid        = "AnswerTheApproval"
        actions    = ["codepipeline:PutApprovalResult"]
        resources  = [var.pipeline.approval_action_arn]
        conditions = []
      },
      local.pipeline_read,
    ]
    observer = [local.pipeline_read]
  }

  members = {
    "data-writer"   = var.data_writers
    "source-writer" = var.source_writers
    approver        = var.approvers
    observer        = var.observers
  }
  personas = { for name, arns in local.members : name => arns if length(arns) > 0 }

  # Terraform attaches the policy to exact role ARNs of this account; IAM refuses changes to roles under
  # aws-reserved/ (IAM Identity Center owns them: reference the policy by name in the permission set instead).
  # https://docs.aws.amazon.com/singlesignon/latest/userguide/howtocmp.html
  attachable = {
    for pair in flatten([for name, arns in local.personas : [for arn in arns : { persona = name, arn = arn }]]) :
    "${pair.persona}:${pair.arn}" => {
      persona = pair.persona
      role    = reverse(split("/", pair.arn))[0]
    }
    if split(":", pair.arn)[4] == var.account_id && !strcontains(pair.arn, "*") && !strcontains(pair.arn, ":role/aws-reserved/")
  }
}

data "aws_iam_policy_document" "this" {
  for_each = local.personas

  dynamic "statement" {
    for_each = local.statements[each.key]
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
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

resource "aws_iam_policy" "this" {
  for_each = local.personas

  name        = "${var.name_prefix}-${each.key}"
  description = "What the ${each.key} persona of pipeline ${var.pipeline.name} may do (modules/personas)."
  policy      = data.aws_iam_policy_document.this[each.key].json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.attachable

  role       = each.value.role
  policy_arn = aws_iam_policy.this[each.value.persona].arn
}
