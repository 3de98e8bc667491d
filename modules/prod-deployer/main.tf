# The deployer Lambda of account C: CodePipeline (account A) invokes it through C's deploy action role. It copies
# the pinned model version (S3 version + SHA-256) from A's artifact bucket into C's own model store, registers it
# as a model package version, deploys exactly that package to a SageMaker endpoint, writes a release record, and
# answers the job through A's callback role. See lambda/README.md for its event, user-parameter and env-var
# contract.
data "aws_partition" "current" {}

data "aws_region" "current" {}

# The inference image, resolved by C itself (not handed over by B): computed by the provider from its own table of
# SageMaker registry accounts per region, no API call. The same repository and tag as B's training image, so the
# model is served by the framework version that trained it.
data "aws_sagemaker_prebuilt_ecr_image" "xgboost" {
  repository_name = local.image_repository
  image_tag       = var.xgboost_image_tag
}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  account_id = var.account_id

  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  instance             = var.endpoint.type == "instance" ? var.endpoint.instance : null
  rollback_alarm_names = local.instance == null ? [] : local.instance.rollback_alarm_names
  data_capture_s3_uri  = local.instance == null ? null : local.instance.data_capture_s3_uri

  image_repository = "sagemaker-xgboost"
  image_uri        = data.aws_sagemaker_prebuilt_ecr_image.xgboost.registry_path

  # A's artifact bucket, where the training job wrote the model (the deployer copies the pinned version from it).
  source_bucket_name = split(":::", var.artifact_bucket_arn)[1]

  # C's model store. incoming/: the copy from A lands here first, and its SHA-256 (computed by S3) is checked;
  # models/<sha256 hex>/model.tar.gz: content-addressed, verified copies, the only prefix SageMaker reads;
  # releases/: the release records (JSON), releases/current.json the one serving.
  store_prefixes   = { incoming = "incoming/", models = "models/", releases = "releases/" }
  store_bucket_arn = "arn:${local.partition}:s3:::${var.model_store_bucket_name}"

  # The settings the Lambda reads (prod_deployer/config.py validates them again, with the same rules).
  environment = {
    CALLBACK_ROLE_ARN        = var.callback_role_arn
    ENDPOINT_CONFIG          = jsonencode(var.endpoint)
    ENDPOINT_NAME            = var.endpoint_name
    KEEP_VERSIONS            = tostring(var.keep_versions)
    MODEL_EXECUTION_ROLE_ARN = local.model_role_arn # known at plan time; the role is a dependency below
    MODEL_IMAGE_URI          = local.image_uri
    MODEL_PACKAGE_GROUP      = var.model_package_group_name # created below (a dependency of the function)
    MODEL_STORE_BUCKET       = var.model_store_bucket_name  # created below (a dependency of the function)
    NAME_PREFIX              = var.name_prefix
    PIPELINE_NAME            = var.pipeline_name
    RESOURCE_TAGS            = jsonencode(var.tags)
    SOURCE_BUCKET            = local.source_bucket_name
    SOURCE_MODEL_PREFIX      = var.model_prefix
    TRAINING_JOB_PREFIX      = var.training_job_prefix
  }
}

# --- model store (bucket + CMK of account C) -----------------------------------------------------------------

# Only C's deployer writes the store, only the model execution role reads models/ from it, the release readers
# read releases/; no other principal and no other account has a grant in its bucket or key policy, and
# `exclusive` denies every other read and write, whatever an identity policy allows. Every grant uses the key
# through S3 only (key_use "s3": kms:ViaService s3.<region>.amazonaws.com in the key policy). The bucket is
# versioned, SSE-KMS with this key and a bucket key, TLS only, public access blocked, ownership enforced
# (modules/kms-bucket).
module "model_store" {
  source = "../kms-bucket"

  bucket_name        = var.model_store_bucket_name
  exclusive          = true # not even C's administrators read models/ or write anything here
  key_administrators = var.model_store_key_administrators
  key_alias          = "alias/${var.model_store_bucket_name}"
  tags               = var.tags

  access = concat([
    {
      principal_arn  = local.deployer_role_arn
      read_prefixes  = values(local.store_prefixes)
      write_prefixes = values(local.store_prefixes)
      key_use        = "s3"
    },
    {
      principal_arn = local.model_role_arn
      read_prefixes = [local.store_prefixes.models]
      key_use       = "s3"
    },
    ], [
    # Auditors: "what runs in production, and who approved it" is releases/current.json (README).
    for arn in var.release_readers : {
      principal_arn = arn
      read_prefixes = [local.store_prefixes.releases]
      key_use       = "s3"
    }
  ])
}

# --- model registry --------------------------------------------------------------------------------------------

# Each release is a model package version in this group (created by the deployer with CreateModelPackage), and the
# endpoint's model is created from that package.
resource "aws_sagemaker_model_package_group" "this" {
  model_package_group_name        = var.model_package_group_name
  model_package_group_description = "Models released to SageMaker endpoint ${var.endpoint_name} by ${var.function_name}, one version per approved pipeline execution."
  tags                            = var.tags
}

# --- logs ----------------------------------------------------------------------------------------------------

# The endpoint's log group, created here before SageMaker first writes to it, so that it is encrypted with the log
# CMK and has a retention (a group SageMaker creates itself has neither); the model execution role therefore needs
# no logs:CreateLogGroup. SageMaker hosting writes to /aws/sagemaker/Endpoints/<endpoint name> ("Log Amazon
# SageMaker AI events with Amazon CloudWatch", https://docs.aws.amazon.com/sagemaker/latest/dg/logging-cloudwatch.html).
# The log key's policy (modules/kms-key, cloudwatch_logs) lets CloudWatch Logs use it for any log group of this
# account and region (kms:EncryptionContext:aws:logs:arn ArnLike ...:log-group:*), which includes this one
# ("Encrypt log data in CloudWatch Logs using AWS KMS",
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
resource "aws_cloudwatch_log_group" "endpoint" {
  # checkov:skip=CKV_AWS_158: kms_key_id is var.log_kms_key_arn, a CMK (validated as a key ARN); in a plan the key is unknown until created, which this check reads as missing. The HCL scan passes it.
  name              = local.endpoint_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: kms_key_id is var.log_kms_key_arn, a CMK (validated as a key ARN); in a plan the key is unknown until created, which this check reads as missing. The HCL scan passes it.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116: CodePipeline invokes the deployer asynchronously and the deployer always answers the job (or the job times out in the pipeline, which is visible there); a DLQ would hold nothing actionable.
  # checkov:skip=CKV_AWS_117: the deployer only calls AWS APIs (STS, S3, SageMaker, CloudWatch, CodePipeline); a VPC would add interface endpoints for each and no protection.
  # checkov:skip=CKV_AWS_173: the environment holds names, ARNs and endpoint settings, no secrets; the AWS-managed Lambda key encrypts it at rest.
  # checkov:skip=CKV_AWS_272: code signing needs an AWS Signer profile, outside this project's scope; the package is built reproducibly by scripts/package_lambda.py and pinned by source_code_hash.
  function_name    = var.function_name
  description      = "Deploys the approved model from ${var.model_store_bucket_name} to SageMaker endpoint ${var.endpoint_name}; answers account A's pipeline."
  role             = aws_iam_role.deployer.arn
  runtime          = var.runtime
  handler          = "prod_deployer.handler.lambda_handler"
  architectures    = ["arm64"] # pure Python: Graviton is cheaper and starts as fast
  filename         = var.package_file
  source_code_hash = filebase64sha256(var.package_file)
  timeout          = var.timeout_seconds
  memory_size      = var.memory_mb

  # No reservation by default (null, which the provider plans as -1): Lambda refuses a reservation that leaves
  # less than the account's minimum unreserved concurrency (100), and new accounts often have a quota of 10
  # ("Configuring reserved concurrency for a function",
  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html; PutFunctionConcurrency,
  # https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html). Deployments are serialised
  # by the pipeline instead: QUEUED execution mode processes executions one by one, so one job at a time reaches
  # the Deploy stage ("How pipeline executions work",
  # https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html).
  reserved_concurrent_executions = var.reserved_concurrency

  tracing_config {
    mode = "Active"
  }

  environment {
    variables = local.environment
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.this, aws_cloudwatch_log_group.endpoint, aws_iam_role_policy.deployer,
    aws_iam_role_policy.model, aws_sagemaker_model_package_group.this, module.model_store,
  ]
}
