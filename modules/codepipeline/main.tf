# CodePipeline V2 in account A: Source -> Train (Step Functions in B) -> Approve (manual, SNS) -> Deploy (Lambda in C).
#
# Every ARN that a policy, a trust condition or an event pattern needs is built here from names, so the policies are
# fully known at plan time (plan tests and policy checks can read them) and no resource depends on its own consumer
# (the pipeline role trusts the pipeline ARN, the pipeline uses the role). Partition and region come from the provider
# (no API call), the account from account_id.
data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  account_id = var.account_id

  source_type = var.pipeline_source.type

  role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.role_name}"
  # The callback role (iam.tf), by name: its ARN is in the Lambda actions' UserParameters, known at plan time.
  callback_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.deploy.callback_role_name}"
  pipeline_arn      = "arn:${local.partition}:codepipeline:${local.region}:${local.account_id}:${var.name}"
  topic_name        = "${var.name}-approval"
  topic_arn         = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.topic_name}"
  rule_name         = "${var.name}-source"
  # PutApprovalResult is authorized on <pipeline ARN>/<stage>/<action> (modules/personas grants it to approvers).
  approval_action_arn = "${local.pipeline_arn}/Approve/Approve"
  rule_arn            = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.rule_name}"
  events_role_name    = "${var.name}-events"
  repository_arn      = local.source_type == "codecommit" ? "arn:${local.partition}:codecommit:${local.region}:${local.account_id}:${var.pipeline_source.repository_name}" : null
  source_object_arn   = local.source_type == "s3" ? "${var.artifact_bucket_arn}/${var.pipeline_source.s3_object_key}" : null

  # Console domain per partition, for the approval's link to the training execution (in account B).
  console_domain = {
    "aws"        = "console.aws.amazon.com"
    "aws-cn"     = "console.amazonaws.cn"
    "aws-us-gov" = "console.amazonaws-us-gov.com"
  }[local.partition]
  training_execution_url = "https://${local.region}.${local.console_domain}/states/home?region=${local.region}#/v2/executions/details/#{Train.ExecutionArn}"

  # The artifacts between the actions. modules/contract names the same two (shared.source_artifact_name,
  # shared.training_output_artifact_name) and derives the key patterns that B's and C's action roles are granted
  # from them; tests/test_contract.py checks that the two agree.
  artifact_names = {
    source          = "SourceOutput"
    training_output = "TrainingOutput"
  }

  # Step Functions execution names are at most 80 characters; CodePipeline appends "-<action execution id>" (36).
  execution_name_prefix = substr(var.name, 0, 43)

  # Source action per source type. configuration is map(string) in the provider: booleans are written as strings.
  source_actions = {
    codecommit = {
      provider = "CodeCommit"
      configuration = {
        RepositoryName       = var.pipeline_source.repository_name
        BranchName           = var.pipeline_source.branch
        PollForSourceChanges = "false" # EventBridge rule below
        OutputArtifactFormat = "CODE_ZIP"
      }
    }
    s3 = {
      provider = "S3"
      configuration = {
        S3Bucket             = var.artifact_bucket_name
        S3ObjectKey          = var.pipeline_source.s3_object_key
        PollForSourceChanges = "false" # EventBridge rule below
      }
    }
    codeconnections = {
      provider = "CodeStarSourceConnection"
      configuration = {
        ConnectionArn    = var.pipeline_source.connection_arn
        FullRepositoryId = var.pipeline_source.full_repository_id
        BranchName       = var.pipeline_source.branch
        # The V2 trigger below filters pushes by branch. With DetectChanges "true" as well, the connection would start
        # an unfiltered execution of its own on every push; AWS's trigger table requires "false" when a trigger
        # filters the source. https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html
        DetectChanges        = "false"
        OutputArtifactFormat = "CODE_ZIP"
      }
    }
  }
  source_action = local.source_actions[local.source_type]

  # The source revision as the Source action's output variable: CommitId for CodeCommit and CodeConnections
  # (CodeStarSourceConnection), VersionId (the S3 object version) for S3 ("Variables reference", section "Output
  # variables", https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html).
  source_revision = local.source_type == "s3" ? "#{Source.VersionId}" : "#{Source.CommitId}"

  # What the approver approves, with the Verify action's evidence (docs/interfaces.md). Its length: see the
  # arithmetic at approval.message's validation in variables.tf (302 characters besides the message as written).
  approval_custom_data = join("", [
    "${var.approval.message} Model SHA-256 #{Evidence.model_sha256} (training job #{Evidence.training_job_name},",
    " S3 version #{Evidence.model_version_id}); #{Evidence.gate_metric} = #{Evidence.gate_value},",
    " effective threshold #{Evidence.gate_threshold}; source revision ${local.source_revision};",
    " training execution #{Train.ExecutionArn}",
  ])
}

resource "aws_codepipeline" "this" {
  # checkov:skip=CKV_AWS_219: the artifact store uses var.artifact_kms_key_arn, a CMK (validated as a key ARN); in a plan the key is unknown until it is created, which this check reads as missing. The HCL scan passes it.
  name           = var.name
  role_arn       = aws_iam_role.this.arn
  pipeline_type  = "V2"
  execution_mode = "QUEUED"

  artifact_store {
    type     = "S3"
    location = var.artifact_bucket_name

    encryption_key {
      type = "KMS"
      id   = var.artifact_kms_key_arn
    }
  }

  stage {
    name = "Source"

    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = local.source_action.provider
      version          = "1"
      namespace        = "Source"
      output_artifacts = [local.artifact_names.source]
      configuration    = local.source_action.configuration
    }
  }

  stage {
    name = "Train"

    action {
      name             = "Train"
      category         = "Invoke"
      owner            = "AWS"
      provider         = "StepFunctions"
      version          = "1"
      namespace        = "Train"
      role_arn         = var.training.action_role_arn
      input_artifacts  = [local.artifact_names.source]
      output_artifacts = [local.artifact_names.training_output]

      configuration = {
        StateMachineArn     = var.training.state_machine_arn
        ExecutionNamePrefix = local.execution_name_prefix
        InputType           = "FilePath"
        Input               = var.config_file
      }
    }
  }

  stage {
    name = "Approve"

    # Verify first: the deployer (account C, through C's action role) checks the training output, copies the pinned
    # model into C's store and publishes what it verified as the "Evidence" namespace's output variables, which the
    # approval shows and the Deploy action pins (docs/interfaces.md).
    action {
      name            = "Verify"
      category        = "Invoke"
      owner           = "AWS"
      provider        = "Lambda"
      version         = "1"
      namespace       = "Evidence"
      run_order       = 1
      role_arn        = var.deploy.action_role_arn
      input_artifacts = [local.artifact_names.training_output]

      configuration = {
        FunctionName = var.deploy.function_name
        UserParameters = jsonencode({
          callback_role_arn     = local.callback_role_arn
          mode                  = "verify"
          pipeline_execution_id = "#{codepipeline.PipelineExecutionId}"
        })
      }
    }

    # The name stays "Approve" (approval_action_arn <pipeline>/Approve/Approve is what approvers may answer).
    action {
      name               = "Approve"
      category           = "Approval"
      owner              = "AWS"
      provider           = "Manual"
      version            = "1"
      run_order          = 2
      timeout_in_minutes = var.approval.timeout_in_minutes

      configuration = {
        NotificationArn    = local.topic_arn
        CustomData         = local.approval_custom_data
        ExternalEntityLink = local.training_execution_url
      }
    }
  }

  stage {
    name = "Deploy"

    action {
      name            = "Deploy"
      category        = "Invoke"
      owner           = "AWS"
      provider        = "Lambda"
      version         = "1"
      namespace       = "Deploy"
      role_arn        = var.deploy.action_role_arn
      input_artifacts = [local.artifact_names.training_output]

      configuration = {
        FunctionName = var.deploy.function_name
        # Exactly the user parameters of docs/interfaces.md (jsonencode sorts the keys). approved is what the
        # approver saw (Verify's output variables): the deployer deploys that model or nothing.
        UserParameters = jsonencode({
          callback_role_arn      = local.callback_role_arn
          mode                   = "deploy"
          pipeline_execution_id  = "#{codepipeline.PipelineExecutionId}"
          training_execution_arn = "#{Train.ExecutionArn}"
          source_revision        = local.source_revision
          approved = {
            model_sha256      = "#{Evidence.model_sha256}"
            model_version_id  = "#{Evidence.model_version_id}"
            training_job_name = "#{Evidence.training_job_name}"
          }
        })
      }
    }
  }

  # CodeConnections: a V2 trigger on pushes to the branch (CodeCommit and S3 use the EventBridge rule instead).
  dynamic "trigger" {
    for_each = local.source_type == "codeconnections" ? [1] : []

    content {
      provider_type = "CodeStarSourceConnection"

      git_configuration {
        source_action_name = "Source"

        push {
          branches {
            includes = [var.pipeline_source.branch]
          }
        }
      }
    }
  }

  tags = var.tags

  # The role's permissions and the approval topic (named by its plan-time ARN above) exist before the first run.
  depends_on = [aws_iam_role_policy.this, aws_sns_topic_policy.this]
}
