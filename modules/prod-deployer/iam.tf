# Two roles: the deployer Lambda's execution role, and the model execution role SageMaker assumes to run the
# endpoint (pull the image, read model.tar.gz from account A, write logs and metrics).
locals {
  sagemaker_arn    = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
  model_arns       = ["${local.sagemaker_arn}:model/${var.name_prefix}*"]
  config_arns      = ["${local.sagemaker_arn}:endpoint-config/${var.name_prefix}*"]
  endpoint_arns    = ["${local.sagemaker_arn}:endpoint/${var.endpoint_name}"]
  model_role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${var.model_role_name}"
  endpoint_logs    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/Endpoints/${var.endpoint_name}"
  capture_location = local.data_capture_s3_uri == null ? null : trimprefix(local.data_capture_s3_uri, "s3://")
}

# --- deployer (Lambda execution role) -------------------------------------------------------------------------

# Only aws:SourceAccount: a condition on a key Lambda does not send when it assumes the execution role makes
# CreateFunction fail ("The role defined for the function cannot be assumed by Lambda"). IAM documents
# aws:SourceAccount for a service assuming a role in your account ("The confused deputy problem", section
# "Cross-service confused deputy prevention for AWS Security Token Service",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html), as does the Lambda guide's execution
# role page ("Working with AWS managed policies in the execution role",
# https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html). The Lambda guide says
# aws:SourceArn "applies only to policies where your Lambda function is the target resource" ("Using source
# function ARN to control function access behavior",
# https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html), i.e. to the function's
# resource policy, not to the assumption of its execution role, so it is not used here. Within the account,
# iam:PassRole decides which function may use this role.
data "aws_iam_policy_document" "deployer_trust" {
  statement {
    sid     = "LambdaService"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "deployer" {
  name               = var.role_name
  description        = "Execution role of the ${var.function_name} deployer Lambda."
  assume_role_policy = data.aws_iam_policy_document.deployer_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "deployer" {
  statement {
    sid       = "Models"
    actions   = ["sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:DeleteModel", "sagemaker:AddTags"]
    resources = local.model_arns
  }

  statement {
    sid = "EndpointConfigs"
    actions = [
      "sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig", "sagemaker:DeleteEndpointConfig",
      "sagemaker:AddTags",
      # CreateEndpoint/UpdateEndpoint are authorized on the endpoint config they use as well as the endpoint.
      "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
    ]
    resources = local.config_arns
  }

  statement {
    sid = "Endpoint"
    actions = [
      "sagemaker:CreateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint",
      "sagemaker:DeleteEndpoint", "sagemaker:AddTags",
    ]
    resources = local.endpoint_arns
  }

  statement {
    sid = "ListForCleanUp"
    # List calls support no resource-level permissions ("*" is the only resource AWS accepts); they are read-only
    # and the deployer filters the results by name_prefix before deleting anything (deletes are scoped above).
    actions   = ["sagemaker:ListModels", "sagemaker:ListEndpointConfigs"]
    resources = ["*"]
  }

  statement {
    sid       = "PassModelRole"
    actions   = ["iam:PassRole"]
    resources = [local.model_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid       = "AnswerThePipeline"
    actions   = ["sts:AssumeRole"]
    resources = [var.callback_role_arn]
  }

  dynamic "statement" {
    for_each = length(local.rollback_alarm_names) > 0 ? [1] : []
    content {
      sid       = "RollbackAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = [for a in local.rollback_alarm_names : "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${a}"]
    }
  }

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:log-stream:*"]
  }

  statement {
    sid = "Tracing"
    # X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions: "*" is the only option.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "deployer" {
  name   = "deployer"
  role   = aws_iam_role.deployer.name
  policy = data.aws_iam_policy_document.deployer.json
}

# --- model execution role (assumed by SageMaker for the endpoint) --------------------------------------------

data "aws_iam_policy_document" "model_trust" {
  statement {
    sid     = "SageMakerService"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "model" {
  name               = var.model_role_name
  description        = "SageMaker model execution role of endpoint ${var.endpoint_name}: reads the model from account A, pulls the inference image, writes logs and metrics."
  assume_role_policy = data.aws_iam_policy_document.model_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "model" {
  statement {
    sid       = "ReadModelArtifacts"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifact_bucket_arn}/${var.model_prefix}*"]
  }

  statement {
    sid       = "DecryptModelArtifacts"
    actions   = ["kms:Decrypt"]
    resources = [var.artifact_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid = "EcrAuthorization"
    # ecr:GetAuthorizationToken is account-wide: AWS supports no resource narrower than "*".
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid     = "PullInferenceImage"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    # The built-in algorithm images live in AWS-owned registries whose account differs by region; the repository
    # name and region narrow the grant instead of a per-region account table.
    resources = [for r in var.image_repository_names : "arn:${local.partition}:ecr:${local.region}:*:repository/${r}"]
  }

  statement {
    sid       = "EndpointLogGroup"
    actions   = ["logs:CreateLogGroup", "logs:DescribeLogStreams"]
    resources = ["${local.endpoint_logs}:*"]
  }

  statement {
    sid       = "EndpointLogStreams"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.endpoint_logs}:log-stream:*"]
  }

  statement {
    sid = "EndpointMetrics"
    # cloudwatch:PutMetricData supports no resource-level permissions; the namespace condition narrows it.
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/Endpoints*", "AWS/SageMaker*"]
    }
  }

  dynamic "statement" {
    for_each = local.capture_location == null ? [] : [1]
    content {
      sid       = "DataCapture"
      actions   = ["s3:PutObject"]
      resources = ["arn:${local.partition}:s3:::${trimsuffix(local.capture_location, "/")}/*"]
    }
  }
}

resource "aws_iam_role_policy" "model" {
  name   = "model-execution"
  role   = aws_iam_role.model.name
  policy = data.aws_iam_policy_document.model.json
}
