# The deployer Lambda of account C: CodePipeline (account A) invokes it through C's deploy action role; it reads
# the training output with the job's artifact credentials, deploys the model to a SageMaker endpoint and answers
# the job through A's callback role. See lambda/README.md for its event, user-parameter and env-var contract.
data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  account_id = var.account_id

  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  instance             = var.endpoint.type == "instance" ? var.endpoint.instance : null
  rollback_alarm_names = local.instance == null ? [] : local.instance.rollback_alarm_names
  data_capture_s3_uri  = local.instance == null ? null : local.instance.data_capture_s3_uri

  # The settings the Lambda reads (prod_deployer/config.py validates them again, with the same rules).
  environment = {
    CALLBACK_ROLE_ARN        = var.callback_role_arn
    ENDPOINT_CONFIG          = jsonencode(var.endpoint)
    ENDPOINT_NAME            = var.endpoint_name
    KEEP_VERSIONS            = tostring(var.keep_versions)
    MODEL_EXECUTION_ROLE_ARN = local.model_role_arn # known at plan time; the role is a dependency below
    NAME_PREFIX              = var.name_prefix
    RESOURCE_TAGS            = jsonencode(var.tags)
  }
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
  description      = "Deploys the trained model to SageMaker endpoint ${var.endpoint_name} for the pipeline and reports back through account A's callback role."
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

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.deployer, aws_iam_role_policy.model]
}
