# A role through which account A's pipeline runs one action in this account: it trusts exactly A's pipeline role
# (modules/cross-account-role), and its identity policy is built from one grant of modules/contract, the same
# object that A's bucket and key policies grant (modules/kms-bucket, variable access), so the two sides cannot
# drift. The role is the grant's principal: its name is the last part of grant.principal_arn.
locals {
  role_name = split("/", var.grant.principal_arn)[1]

  # Objects of the artifact bucket: a prefix ending in "*" is a pattern already (as in modules/kms-bucket), one
  # "*" and not two.
  read_objects  = [for p in var.grant.read_prefixes : "${var.artifact_bucket_arn}/${trimsuffix(p, "*")}*"]
  write_objects = [for p in var.grant.write_prefixes : "${var.artifact_bucket_arn}/${trimsuffix(p, "*")}*"]

  # The CMK, as the grant uses it. S3 calls KMS as the caller for SSE-KMS objects (also with an S3 Bucket Key): a
  # read needs kms:Decrypt, a write kms:GenerateDataKey, a multipart upload kms:Decrypt as well.
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#aws-managed-customer-managed-keys
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
  # A role that only reads gets kms:Decrypt and kms:DescribeKey (the key's metadata); one that writes gets the whole
  # usage set that A's key policy grants workload roles (modules/kms-key, usage_actions).
  key_actions = length(var.grant.write_prefixes) > 0 ? [
    "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*",
  ] : ["kms:Decrypt", "kms:DescribeKey"]
  uses_artifacts = length(var.grant.read_prefixes) + length(var.grant.write_prefixes) > 0

  state_machine_arn = var.action.state_machine_arn
  # arn:<partition>:states:<region>:<account>:stateMachine:<name> -> its executions,
  # arn:<partition>:states:<region>:<account>:execution:<name>:<execution name>.
  execution_arns = local.state_machine_arn == null ? null : "${replace(local.state_machine_arn, ":stateMachine:", ":execution:")}:*"
}

data "aws_iam_policy_document" "this" {
  # A Step Functions action: CodePipeline describes the state machine, starts an execution with this role's
  # credentials and watches it until it ends; DescribeExecution and StopExecution on this state machine's
  # executions only.
  # https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StepFunctions.html
  dynamic "statement" {
    for_each = local.state_machine_arn == null ? [] : [1]
    content {
      sid       = "RunStateMachine"
      actions   = ["states:DescribeStateMachine", "states:StartExecution"]
      resources = [local.state_machine_arn]
    }
  }

  dynamic "statement" {
    for_each = local.state_machine_arn == null ? [] : [1]
    content {
      sid       = "WatchExecutions"
      actions   = ["states:DescribeExecution", "states:StopExecution"]
      resources = [local.execution_arns]
    }
  }

  # A Lambda action: CodePipeline invokes the function.
  # https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html
  dynamic "statement" {
    for_each = var.action.function_arn == null ? [] : [1]
    content {
      sid       = "InvokeFunction"
      actions   = ["lambda:InvokeFunction"]
      resources = [var.action.function_arn]
    }
  }

  dynamic "statement" {
    for_each = var.action.function_arn == null ? [] : [1]
    content {
      sid     = "FindFunction"
      actions = ["lambda:ListFunctions"]
      # lambda:ListFunctions supports no resource-level permission: "*" is the only valid resource. CodePipeline's
      # Lambda action calls it to find the function.
      resources = ["*"]
    }
  }

  # The artifacts of the action (CodePipeline reads the input artifacts and writes the output artifacts with this
  # role's credentials): exactly the grant's prefixes, typically the contract's artifact folder patterns
  # (<pipeline folder>/<artifact name, first 10 characters>*: modules/contract, artifact_prefixes).
  dynamic "statement" {
    for_each = length(local.read_objects) > 0 ? [1] : []
    content {
      sid       = "ReadArtifacts"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = local.read_objects
    }
  }

  dynamic "statement" {
    for_each = length(local.write_objects) > 0 ? [1] : []
    content {
      sid       = "WriteArtifacts"
      actions   = ["s3:PutObject"]
      resources = local.write_objects
    }
  }

  dynamic "statement" {
    for_each = local.uses_artifacts ? [1] : []
    content {
      sid       = "ArtifactKey"
      actions   = local.key_actions
      resources = [var.artifact_kms_key_arn]
    }
  }
}

module "role" {
  source = "../cross-account-role"

  name              = local.role_name
  trusted_role_arns = [var.pipeline_role_arn]
  policies          = { (var.policy_name) = data.aws_iam_policy_document.this.json }
  tags              = var.tags
}
