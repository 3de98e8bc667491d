# The training state machine of account B: trains the built-in XGBoost algorithm on SageMaker (.sync), checks the
# model against the quality gate of the training configuration (the execution input) and returns the training
# output (pipeline/schemas/training-output.schema.json) that CodePipeline hands to the deployer in account C.
data "aws_partition" "current" {}

data "aws_region" "current" {}

# Computed by the provider from its own table of SageMaker registry accounts per region: no API call.
data "aws_sagemaker_prebuilt_ecr_image" "xgboost" {
  repository_name = "sagemaker-xgboost"
  image_tag       = var.xgboost_image_tag
}

locals {
  partition = data.aws_partition.current.partition
  # .id, not .name: hashicorp/aws 6.x deprecates aws_region's name attribute; id is the region on 5.100 and 6.x.
  region = data.aws_region.current.id

  state_machine_arn  = "arn:${local.partition}:states:${local.region}:${var.account_id}:stateMachine:${var.state_machine_name}"
  sagemaker_role_arn = "arn:${local.partition}:iam::${var.account_id}:role/${var.sagemaker_role_name}"
  # SageMaker lower-cases the names in its ARNs.
  # The prefix ends with its separator: "<prefix>-*", so that a prefix "mlops-train" does not also cover jobs of
  # a "mlops-trainer" pipeline.
  training_job_arn_pattern = "arn:${local.partition}:sagemaker:${local.region}:${var.account_id}:training-job/${lower(var.training_job_prefix)}-*"
  # The model archives of this state machine's jobs: <S3OutputPath><job name>/output/model.tar.gz.
  model_object_pattern   = "${var.artifact_bucket_name}/${var.model_prefix}${var.training_job_prefix}-*/output/model.tar.gz"
  bucket_arn             = "arn:${local.partition}:s3:::${var.artifact_bucket_name}"
  image_uri              = data.aws_sagemaker_prebuilt_ecr_image.xgboost.registry_path
  image_registry_account = split(".", local.image_uri)[0]

  spot_enabled         = var.spot.enabled
  spot_max_wait        = var.spot.max_wait_seconds != null ? var.spot.max_wait_seconds : min(2 * var.max_runtime_seconds, 2419200)
  stopping_seconds     = local.spot_enabled ? local.spot_max_wait : var.max_runtime_seconds
  task_timeout_seconds = local.stopping_seconds + 3600

  # Quality-gate metrics the state machine can read, with their direction (true: higher is better). JSONPath
  # filters cannot take the metric name from the input, so the template writes one filter state per metric and
  # a Choice picks it by quality_gate.metric. Only validation-channel metrics: a gate on the training data's own
  # score measures memorisation, not quality. Keep in step with the enum of
  # pipeline/schemas/training-config.schema.json (tests/test_training_asl.py compares them).
  gate_metrics = {
    "validation:auc"             = true
    "validation:aucpr"           = true
    "validation:map"             = true
    "validation:ndcg"            = true
    "validation:rmse"            = false
    "validation:rmsle"           = false
    "validation:mae"             = false
    "validation:mape"            = false
    "validation:mphe"            = false
    "validation:logloss"         = false
    "validation:error"           = false
    "validation:merror"          = false
    "validation:mlogloss"        = false
    "validation:poisson-nloglik" = false
    "validation:gamma-nloglik"   = false
    "validation:cox-nloglik"     = false
    "validation:gamma-deviance"  = false
    "validation:tweedie-nloglik" = false
  }

  # The platform's gate: the configuration must gate on this metric, at the floor or stricter.
  gate_higher_is_better = local.gate_metrics[var.quality_gate.metric]

  # The training channels, each read from <data_prefix><channel>/ (Train's InputDataConfig); RecordData lists
  # the current object versions under each before Train, for the training output's data (the release record).
  data_channels         = ["train", "validation"]
  data_channel_prefixes = [for c in local.data_channels : "${var.data_prefix}${c}/"]
  # Object versions RecordData reads per channel: one ListObjectVersions page (MaxKeys; S3 returns at most
  # 1,000: "ListObjectVersions", S3 API Reference,
  # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html). A page counts every version,
  # current or not, and every delete marker. 500, not 1,000: the page is a task result, and a task result or state
  # over 256 KiB fails the execution (States.DataLimitExceeded, "Step Functions service quotas",
  # https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); an entry of the page is about
  # 350 bytes (key, version id, ETag, size, owner, storage class, date, checksum algorithm) with short keys, so 500
  # entries are about 175 KB. A channel with more fails with InvalidTrainingData, saying so: JSONPath states cannot
  # concatenate pages, and a release record must name every object the job read, not the first page of them.
  data_versions_limit = 500

  template_vars = {
    allowed_hyperparameters = sort(distinct(var.allowed_hyperparameters))
    bucket                  = var.artifact_bucket_name
    data_channels           = local.data_channels
    data_versions_limit     = local.data_versions_limit
    gate_floor              = var.quality_gate.floor
    gate_higher_is_better   = local.gate_higher_is_better
    gate_metric             = var.quality_gate.metric
    partition               = local.partition
    checkpoint_prefix       = var.checkpoint_prefix
    data_prefix             = var.data_prefix
    gate_metrics            = local.gate_metrics
    image_uri               = local.image_uri
    instance_count          = var.instance_count
    instance_type           = var.instance_type
    kms_key_arn             = var.artifact_kms_key_arn
    max_runtime_seconds     = var.max_runtime_seconds
    model_prefix            = var.model_prefix
    spot_enabled            = local.spot_enabled
    spot_max_wait           = local.spot_max_wait
    # The Train task gives up one hour after SageMaker's own stopping condition (provisioning, download, upload).
    task_timeout_seconds = local.task_timeout_seconds
    # Waits before each new attempt of Train after a transient SageMaker error (throttling, internal failure,
    # service unavailable); the list's length is the number of retries.
    transient_retry_backoff_seconds = [15, 60, 240]
    # How often the state machine polls a job that an earlier attempt started. A Standard execution's history
    # holds at most 25,000 events ("Step Functions service quotas") and one poll adds about 9, so polls are
    # spaced to stay below 2,000 over the longest time the job can run (its stopping condition, which SageMaker
    # enforces, plus the hour above).
    existing_job_poll_seconds = max(60, ceil(local.task_timeout_seconds / 2000))
    tags                      = var.tags
    training_job_prefix       = var.training_job_prefix
    volume_size_gb            = var.volume_size_gb
  }

  # The definition as deployed, with the SageMaker role's ARN built from its name: known at plan time (output
  # state_machine_definition, tests/test_training_asl.py).
  definition = templatefile("${path.module}/templates/training.asl.json.tftpl", merge(local.template_vars, {
    role_arn = local.sagemaker_role_arn
  }))
}

# /aws/vendedlogs/ is the prefix AWS recommends for vended logs: their resource policy then covers every such
# group with one statement instead of growing per group.
resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: kms_key_id is var.log_kms_key_arn, a CMK (validated as a key ARN); in a plan the key is unknown until created, which this check reads as missing. The HCL scan passes it.
  name              = "/aws/vendedlogs/states/${var.state_machine_name}"
  kms_key_id        = var.log_kms_key_arn
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# SageMaker writes every training job's logs to this group, one per account and region: it is created here,
# encrypted with the log key and with a retention, before the first job runs, so that the training role needs no
# logs:CreateLogGroup (with it, SageMaker would create the group unencrypted and kept forever). If the group
# exists already in the account (an earlier job created it), import it:
#   terraform import 'module.training.aws_cloudwatch_log_group.training_jobs' /aws/sagemaker/TrainingJobs
# ("Log Amazon SageMaker AI Events with Amazon CloudWatch": SageMaker training logs go to
# /aws/sagemaker/TrainingJobs; "Encrypt log data in CloudWatch Logs using AWS KMS": the key policy must let
# logs.<region>.amazonaws.com use the key for the group's ARN, which modules/kms-key's cloudwatch_logs grants for
# every log group of the account.)
resource "aws_cloudwatch_log_group" "training_jobs" {
  # checkov:skip=CKV_AWS_158: kms_key_id is var.log_kms_key_arn, a CMK (validated as a key ARN); in a plan the key is unknown until created, which this check reads as missing. The HCL scan passes it.
  name              = "/aws/sagemaker/TrainingJobs"
  kms_key_id        = var.log_kms_key_arn
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  # checkov:skip=CKV_AWS_285: the execution history is logged (level ALL/ERROR); only execution data (inputs, outputs, failure payloads) is left out on purpose, see logging_configuration
  name     = var.state_machine_name
  type     = "STANDARD"
  role_arn = aws_iam_role.sfn.arn
  # The same text as local.definition, but taking the ARN from the role resource: the state machine depends on
  # the role, and on a first plan the definition is unknown, so the provider's plan-time check (a
  # ValidateStateMachineDefinition call) runs at apply instead, which lets the plan work offline.
  definition = templatefile("${path.module}/templates/training.asl.json.tftpl", merge(local.template_vars, {
    role_arn = aws_iam_role.sagemaker.arn
  }))

  # include_execution_data = false: the execution input and output are the training configuration and the
  # training output, and failure causes carry SageMaker's DescribeTrainingJob payload (bucket paths, role and key
  # ARNs, hyperparameters). Log readers (logs:GetLogEvents in this account) are a wider audience than those
  # allowed to read the execution history (states:GetExecutionHistory), so the logs keep only the event trail.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = false
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  # CreateStateMachine checks that the role may deliver logs: the inline policy must exist first.
  depends_on = [aws_iam_role_policy.sfn]
}
