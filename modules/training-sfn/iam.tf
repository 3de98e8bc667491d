# ---------------------------------------------------------------------------------------- Step Functions role
data "aws_iam_policy_document" "sfn_trust" {
  statement {
    sid     = "StepFunctionsForThisStateMachine"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role" "sfn" {
  name                 = var.sfn_role_name
  description          = "Runs the training state machine ${var.state_machine_name}: starts and watches SageMaker training jobs."
  assume_role_policy   = data.aws_iam_policy_document.sfn_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

# The policy AWS documents for createTrainingJob.sync ("IAM policies for Amazon SageMaker AI" in the Step
# Functions developer guide: Create/Describe/StopTrainingJob on the job, ListTags, iam:PassRole of the training
# role to SageMaker only, and the managed EventBridge rule), plus what this definition adds: AddTags, the volume
# key grant, logging and tracing. DescribeTrainingJob also serves the DescribeExistingJob state (aws-sdk
# integration: the IAM action of the API it calls).
data "aws_iam_policy_document" "sfn" {
  # checkov:skip=CKV_AWS_356: sagemaker:ListTags (statement SyncListTags) is on "*" as AWS documents it for createTrainingJob.sync; the ARN Step Functions reads is not documented, and ListTags only reads tags. Every other "*" here is on actions without resource-level permissions.
  # AddTags: CreateTrainingJob with Tags needs it on the job, and the .sync integration tags the job it starts
  # (aws-cdk issues #26012 and #32294: "not authorized to perform: sagemaker:AddTags on resource ...
  # training-job/..."); AWS's generated policy leaves it out.
  statement {
    sid = "TrainingJobs"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:StopTrainingJob",
    ]
    resources = [local.training_job_arn_pattern]
  }

  # CreateTrainingJob alone, only for the job this definition asks for: network isolation, encrypted traffic
  # between instances, volumes and output with the artifact key, the configured instance type. Condition keys of
  # sagemaker:CreateTrainingJob ("Actions, resources, and condition keys for Amazon SageMaker AI", Service
  # Authorization Reference): sagemaker:NetworkIsolation, sagemaker:InterContainerTrafficEncryption (Bool),
  # sagemaker:VolumeKmsKey, sagemaker:OutputKmsKey (ARN), sagemaker:InstanceTypes (multivalued: ForAllValues,
  # with a Null check, since ForAllValues alone holds for a request without the key).
  statement {
    sid       = "CreateTheConfiguredTrainingJob"
    actions   = ["sagemaker:CreateTrainingJob"]
    resources = [local.training_job_arn_pattern]

    condition {
      test     = "Bool"
      variable = "sagemaker:NetworkIsolation"
      values   = ["true"]
    }

    condition {
      test     = "Bool"
      variable = "sagemaker:InterContainerTrafficEncryption"
      values   = ["true"]
    }

    condition {
      test     = "ArnEquals"
      variable = "sagemaker:VolumeKmsKey"
      values   = [var.artifact_kms_key_arn]
    }

    condition {
      test     = "ArnEquals"
      variable = "sagemaker:OutputKmsKey"
      values   = [var.artifact_kms_key_arn]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "sagemaker:InstanceTypes"
      values   = [var.instance_type]
    }

    condition {
      test     = "Null"
      variable = "sagemaker:InstanceTypes"
      values   = ["false"]
    }
  }

  # PinModel (aws-sdk:s3:copyObject of a job's model.tar.gz onto itself, with a SHA-256 checksum): CopyObject
  # needs s3:GetObject on the source and s3:PutObject on the destination ("CopyObject", S3 API Reference:
  # Permissions). s3:GetObjectVersion for the version the copy creates (what the release record names).
  statement {
    sid       = "ReadModelArchives"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["arn:${local.partition}:s3:::${local.model_object_pattern}"]
  }

  # RecordData (aws-sdk:s3:listObjectVersions of each channel's prefix): ListObjectVersions is authorized as
  # s3:ListBucketVersions on the bucket ("ListObjectVersions", S3 API Reference,
  # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html: "you must have permission to
  # perform the s3:ListBucketVersions action"), whose condition keys include s3:prefix, the request's Prefix
  # (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3",
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html). StringEquals on
  # exactly the channel prefixes the definition asks for: a request without a Prefix (the whole bucket: models,
  # pipeline artifacts) has no s3:prefix and is refused, as is any other prefix. A's bucket policy grants the same
  # (modules/kms-bucket access list_versions_prefixes, envs/shared).
  statement {
    sid       = "ListTrainingDataVersions"
    actions   = ["s3:ListBucketVersions"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = local.data_channel_prefixes
    }
  }

  # PutObject only as a copy of an existing model archive: s3:x-amz-copy-source is the copy's source
  # ("Actions, resources, and condition keys for Amazon S3": s3:x-amz-copy-source on s3:PutObject; its value is
  # <bucket>/<key>, "Example bucket policies: restrict copy source"). A plain upload carries no copy source, so
  # the key is absent and StringLike fails: this role can re-store model bytes, never write new ones.
  statement {
    sid       = "PinModelArchivesByCopyOnly"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.model_object_pattern}"]

    condition {
      test     = "StringLike"
      variable = "s3:x-amz-copy-source"
      values   = [local.model_object_pattern, "/${local.model_object_pattern}"]
    }
  }

  # S3 decrypts the source and encrypts the copy with the artifact key as this role: kms:Decrypt and
  # kms:GenerateDataKey through S3 only ("Using server-side encryption with AWS KMS keys (SSE-KMS)", S3 User
  # Guide: permissions for copying; kms:ViaService, "AWS KMS condition keys").
  statement {
    sid       = "ArtifactKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.artifact_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  # The .sync integration calls ListTags; AWS documents it on "*" (the policy it generates for this
  # integration scopes the job actions to the job name but not this one) and does not document which ARN it
  # reads, so a narrower resource risks an AccessDenied mid-execution. ListTags only reads tags.
  statement {
    sid       = "SyncListTags"
    actions   = ["sagemaker:ListTags"]
    resources = ["*"]
  }

  # The .sync integration waits for the job through this Step Functions-managed EventBridge rule.
  statement {
    sid       = "SyncRule"
    actions   = ["events:DescribeRule", "events:PutRule", "events:PutTargets"]
    resources = ["arn:${local.partition}:events:${local.region}:${var.account_id}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"]
  }

  statement {
    sid       = "PassTheTrainingRoleToSageMakerOnly"
    actions   = ["iam:PassRole"]
    resources = [local.sagemaker_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  # CreateTrainingJob with a VolumeKmsKeyId: SageMaker creates a grant on the shared key for the volumes, on behalf
  # of the caller. Only grants for AWS resources.
  statement {
    sid       = "VolumeKeyGrantForSageMaker"
    actions   = ["kms:CreateGrant"]
    resources = [var.artifact_kms_key_arn]

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  # CloudWatch Logs vended-log delivery: these actions do not support resource-level permissions, AWS documents
  # "*" as the only resource (Step Functions logging with CloudWatch Logs).
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ]
    resources = ["*"]
  }

  # X-Ray tracing: the X-Ray actions have no resource-level permissions; "*" is the only resource.
  statement {
    sid = "Tracing"
    actions = [
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "sfn" {
  # checkov:skip=CKV_AWS_355: the plan scan reads the rendered policy: its one "*" on a restrictable action is sagemaker:ListTags (statement SyncListTags), on "*" as AWS documents it for createTrainingJob.sync (see the data source above); the other "*" statements are actions without resource-level permissions.
  name   = "training-state-machine"
  role   = aws_iam_role.sfn.name
  policy = data.aws_iam_policy_document.sfn.json
}

# ------------------------------------------------------------------------------------ SageMaker training role
data "aws_iam_policy_document" "sagemaker_trust" {
  statement {
    sid     = "SageMakerTrainingInThisAccount"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  name                 = var.sagemaker_role_name
  description          = "Execution role of the ${var.training_job_prefix}-* training jobs: reads the data, writes models and checkpoints in the shared bucket."
  assume_role_policy   = data.aws_iam_policy_document.sagemaker_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "sagemaker" {
  statement {
    sid       = "ListDataAndCheckpoints"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.data_prefix}*", "${var.checkpoint_prefix}*"]
    }
  }

  # Checkpoints are read back when a spot job resumes.
  statement {
    sid       = "ReadDataAndCheckpoints"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.data_prefix}*", "${local.bucket_arn}/${var.checkpoint_prefix}*"]
  }

  statement {
    sid       = "WriteModelsAndCheckpoints"
    actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
    resources = ["${local.bucket_arn}/${var.model_prefix}*", "${local.bucket_arn}/${var.checkpoint_prefix}*"]
  }

  statement {
    sid       = "SharedKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.artifact_kms_key_arn]
  }

  statement {
    sid = "TrainingJobLogs"
    # No logs:CreateLogGroup: the module creates the group (aws_cloudwatch_log_group.training_jobs).
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${var.account_id}:log-group:/aws/sagemaker/TrainingJobs",
      "arn:${local.partition}:logs:${local.region}:${var.account_id}:log-group:/aws/sagemaker/TrainingJobs:log-stream:*",
    ]
  }

  # PutMetricData has no resource-level permissions ("*" is the only resource); the namespace condition limits it
  # to SageMaker's training metrics.
  statement {
    sid       = "TrainingMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/TrainingJobs"]
    }
  }

  # ecr:GetAuthorizationToken is account-wide: AWS supports no resource narrower than "*".
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullXGBoostImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["arn:${local.partition}:ecr:${local.region}:${local.image_registry_account}:repository/sagemaker-xgboost"]
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  name   = "training-job"
  role   = aws_iam_role.sagemaker.name
  policy = data.aws_iam_policy_document.sagemaker.json
}
