# Two roles: the deployer Lambda's execution role, and the model execution role SageMaker assumes to run the
# endpoint (pull the image, read model.tar.gz from C's model store, write logs and metrics).
#
# Actions, resource types and condition keys are those of the Service Authorization Reference (SAR):
# SageMaker https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html,
# S3 https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
# KMS https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html,
# ECR https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html.
locals {
  sagemaker_arn = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
  # Name prefixes end with their separator: "<prefix>-*" cannot match another prefix that merely starts the same.
  model_arns          = ["${local.sagemaker_arn}:model/${var.name_prefix}-*"]
  config_arns         = ["${local.sagemaker_arn}:endpoint-config/${var.name_prefix}-*"]
  endpoint_arns       = ["${local.sagemaker_arn}:endpoint/${var.endpoint_name}"]
  package_group_arn   = "${local.sagemaker_arn}:model-package-group/${lower(var.model_package_group_name)}"
  package_version_arn = "${local.sagemaker_arn}:model-package/${lower(var.model_package_group_name)}/*"
  model_role_arn      = "arn:${local.partition}:iam::${local.account_id}:role/${var.model_role_name}"
  deployer_role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${var.role_name}"

  endpoint_log_group_name = "/aws/sagemaker/Endpoints/${var.endpoint_name}"
  endpoint_logs           = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.endpoint_log_group_name}"
  capture_location        = local.data_capture_s3_uri == null ? null : trimprefix(local.data_capture_s3_uri, "s3://")

  # The training job writes <model_prefix><job name>/output/model.tar.gz; job names are "<training_job_prefix>-<hash>".
  source_model_arn = "${var.artifact_bucket_arn}/${var.model_prefix}${var.training_job_prefix}-*/output/model.tar.gz"

  # Any key of this account, but only through S3 and only for objects of the model store: with an S3 Bucket Key
  # (kms-bucket enables it) S3 uses the bucket ARN as the encryption context, otherwise the object ARN ("Using
  # server-side encryption with AWS KMS keys (SSE-KMS)", section "Encryption context",
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context). The
  # store's key ARN is unknown until the key exists, and these policies must be known at plan time; the bucket
  # policy denies writes with any key but the store's, and the store key's policy grants exactly these two roles.
  store_key_arns = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]
  store_key_context = {
    test     = "StringLike"
    variable = "kms:EncryptionContext:aws:s3:arn"
    values   = [local.store_bucket_arn, "${local.store_bucket_arn}/*"]
  }
  via_s3 = "s3.${local.region}.amazonaws.com"
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
  # checkov:skip=CKV_AWS_356: sagemaker:ListModelPackages (statement ListModelPackages) names no package in its request, so no model-package ARN can match it; "*" is the resource (read-only metadata, the deployer lists its own group only).
  # CreateModel (resource type model; dependent actions iam:PassRole and sagemaker:AddTags, both granted here) from
  # a model package of the group below: the SAR lists no permission on the package for CreateModel, and the deployer
  # describes the package itself (DescribeModelPackage, granted below). sagemaker:NetworkIsolation is a CreateModel
  # condition key (Bool): an instance endpoint's model must be isolated (EnableNetworkIsolation true, absent means
  # false and is refused); a serverless endpoint's model cannot be (Serverless Inference does not support network
  # isolation, "Feature exclusions", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html),
  # so for serverless the condition only refuses true (BoolIfExists: the deployer sends false, and an absent key
  # means false). The endpoint type of the module decides, as prod_deployer/config.py
  # EndpointSettings.network_isolation does; a type change is refused by the deployer before CreateModel.
  statement {
    sid       = "CreateModels"
    actions   = ["sagemaker:CreateModel"]
    resources = local.model_arns
    condition {
      test     = var.endpoint.type == "instance" ? "Bool" : "BoolIfExists"
      variable = "sagemaker:NetworkIsolation"
      values   = [var.endpoint.type == "instance" ? "true" : "false"]
    }
  }

  statement {
    sid       = "Models"
    actions   = ["sagemaker:DescribeModel", "sagemaker:DeleteModel", "sagemaker:AddTags"]
    resources = local.model_arns
  }

  # The release's model package version: CreateModelPackage names the group (resource types model-package and
  # model-package-group, both listed by the SAR: the group and its versions, model-package/<group>/<version>, are
  # granted); its tags need sagemaker:AddTags on the package (a dependent action of CreateModelPackage);
  # DescribeModelPackage is on the version (model-package, required).
  statement {
    sid       = "CreateModelPackages"
    actions   = ["sagemaker:CreateModelPackage"]
    resources = [local.package_group_arn, local.package_version_arn]
  }

  statement {
    sid       = "ModelPackages"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:AddTags"]
    resources = [local.package_version_arn]
  }

  statement {
    sid = "ListModelPackages"
    # ListModelPackages filters by group name but names no package: the SAR lists model-package as an optional
    # resource type, which a request without a package ARN cannot match, so "*" is the resource. Read-only
    # metadata; the deployer lists only its own group (ModelPackageGroupName).
    actions   = ["sagemaker:ListModelPackages"]
    resources = ["*"]
  }

  # The pinned model in account A: CopyObject with a source versionId is authorized as s3:GetObjectVersion on the
  # source object (s3:GetObject without one), s3:PutObject on the destination ("CopyObject", section
  # "Permissions", https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). Only the training
  # jobs' model.tar.gz outputs; A's bucket policy grants the same to this role (envs/shared, module artifacts).
  statement {
    sid       = "ReadPinnedModel"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [local.source_model_arn]
  }

  # S3 decrypts the source with A's key as the caller (kms:Decrypt on the source key for a copy of an SSE-KMS
  # object, same page), through S3 only. A's key policy grants this role kms:Decrypt via S3 (key_use "s3").
  statement {
    sid       = "DecryptPinnedModel"
    actions   = ["kms:Decrypt"]
    resources = [var.artifact_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.via_s3]
    }
  }

  # The store: put and read incoming/, models/ and releases/ (CopyObject and PutObject with a checksum, HeadObject
  # with ChecksumMode and GetObject are all s3:PutObject / s3:GetObject on the object).
  statement {
    sid       = "ModelStoreObjects"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [for p in values(local.store_prefixes) : "${local.store_bucket_arn}/${p}*"]
  }

  # HeadObject of a key that does not exist (is this model already stored? is there a current release?) answers
  # 404 only to a caller with s3:ListBucket on the bucket, 403 Access Denied otherwise ("HeadObject", section
  # "Permissions", https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Without an s3:prefix
  # condition: HeadObject sends none.
  statement {
    sid       = "ModelStoreList"
    actions   = ["s3:ListBucket"]
    resources = [local.store_bucket_arn]
  }

  # S3 encrypts the store's objects with its CMK as the caller: kms:GenerateDataKey to write (also for the
  # destination of a copy), kms:Decrypt to read (and to head with a checksum). Through S3 only, for this bucket
  # only (see store_key_context above).
  statement {
    sid       = "ModelStoreKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = local.store_key_arns
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.via_s3]
    }
    condition {
      test     = local.store_key_context.test
      variable = local.store_key_context.variable
      values   = local.store_key_context.values
    }
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
  # checkov:skip=CKV_AWS_355: sagemaker:ListModelPackages (statement ListModelPackages) names no package in its request, so no model-package ARN can match it; "*" is the resource (read-only metadata, the deployer lists its own group only). Every other resource here is exact.
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
  description        = "SageMaker model execution role of endpoint ${var.endpoint_name}: reads the model from C's model store, pulls the inference image, writes logs and metrics."
  assume_role_policy = data.aws_iam_policy_document.model_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "model" {
  # SageMaker reads ModelDataUrl with this role: only the verified, content-addressed copies under models/ of C's
  # store, nothing in account A.
  statement {
    sid       = "ReadStoredModels"
    actions   = ["s3:GetObject"]
    resources = ["${local.store_bucket_arn}/${local.store_prefixes.models}*"]
  }

  statement {
    sid       = "DecryptStoredModels"
    actions   = ["kms:Decrypt"]
    resources = local.store_key_arns
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.via_s3]
    }
    condition {
      test     = local.store_key_context.test
      variable = local.store_key_context.variable
      values   = local.store_key_context.values
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
    # Exactly the repository of MODEL_IMAGE_URI: the registry account the provider resolves for this region
    # (resource type repository, arn:<partition>:ecr:<region>:<account>:repository/<name>).
    resources = ["arn:${local.partition}:ecr:${local.region}:${data.aws_sagemaker_prebuilt_ecr_image.xgboost.registry_id}:repository/${local.image_repository}"]
  }

  # The log group exists before the endpoint (main.tf, aws_cloudwatch_log_group.endpoint): no logs:CreateLogGroup.
  statement {
    sid       = "EndpointLogGroup"
    actions   = ["logs:DescribeLogStreams"]
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
