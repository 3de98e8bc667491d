variable "account_id" {
  description = "ID of the account the module deploys into (account A). A variable rather than aws_caller_identity, so that plans need no STS call and every ARN the policies need is known at plan time."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID (for example \"111111111111\")."
  }
}

variable "approval" {
  description = "Manual approval between Train and Deploy: e-mail addresses subscribed to the (CMK-encrypted) approval topic, an optional action timeout in minutes (5-86400; null keeps the CodePipeline default of 7 days) and an optional message (at most 190 characters) prepended to the approval's custom data, which then shows what is approved: the model's SHA-256, S3 version and training job, the gate metric, value and effective threshold (from the Verify action's Evidence variables), the source revision and the training execution."
  type = object({
    emails             = optional(list(string), [])
    message            = optional(string, "Review the training execution and its quality gate before deploying the model to production.")
    timeout_in_minutes = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for e in var.approval.emails : can(regex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", e))])
    error_message = "approval.emails must hold only e-mail addresses such as \"ml-approvers@example.com\"."
  }

  validation {
    condition     = length(distinct(var.approval.emails)) == length(var.approval.emails)
    error_message = "approval.emails must not list the same address twice."
  }

  validation {
    condition     = var.approval.timeout_in_minutes == null || try(var.approval.timeout_in_minutes >= 5 && var.approval.timeout_in_minutes <= 86400 && floor(var.approval.timeout_in_minutes) == var.approval.timeout_in_minutes, false)
    error_message = "approval.timeout_in_minutes must be null (CodePipeline default, 7 days) or a whole number of minutes between 5 and 86400 (60 days)."
  }

  # The approval's CustomData is this message followed by the Verify evidence (main.tf, approval_custom_data).
  # An action configuration value is at most 1000 characters (CodePipeline API Reference, ActionDeclaration,
  # "configuration", https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html);
  # this module has so far held CustomData to 500, a stricter figure we keep for the text as written:
  #   as written (CreatePipeline): message + 302 characters of template (S3 source; 301 for Git sources)
  #     -> 190 + 302 = 492 <= 500;
  #   as resolved (what the approver reads): message + 110 characters of literal text + the variables at their
  #     longest: SHA-256 base64 44, training job name 63, S3 version id 32, gate metric 30, gate value 24,
  #     threshold 24, commit id 40 (S3 VersionId 32), Step Functions execution ARN 220 (partition, region and
  #     account, state machine and execution names of 80 each) = 587 -> 190 + 587 = 777 <= 1000.
  validation {
    condition     = var.approval.message != null && try(length(var.approval.message) <= 190, false)
    error_message = "approval.message must be a string of at most 190 characters (the approval's custom data also carries the model's SHA-256, S3 version, training job, gate result, source revision and training execution; see the arithmetic in modules/codepipeline/variables.tf)."
  }
}

variable "artifact_bucket_arn" {
  description = "ARN of the artifact bucket (account A), the pipeline's artifact store."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_arn)) && endswith(var.artifact_bucket_arn, ":::${var.artifact_bucket_name}")
    error_message = "artifact_bucket_arn must be the ARN of the bucket named by artifact_bucket_name (arn:aws:s3:::<artifact_bucket_name>)."
  }
}

variable "artifact_bucket_name" {
  description = "Name of the artifact bucket (account A): SSE-KMS with artifact_kms_key_arn, versioned, EventBridge notifications on (for the S3 source)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_name))
    error_message = "artifact_bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "artifact_kms_key_arn" {
  description = "Key ARN (not an alias) of the CMK in account A that encrypts the pipeline artifacts and the approval topic (the CodeCommit repository uses CodeCommit's AWS managed key, see source.tf)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.artifact_kms_key_arn))
    error_message = "artifact_kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<key-id> (an alias ARN cannot be granted in IAM policies)."
  }
}

variable "config_file" {
  description = "Path, inside the source artifact, of the training configuration JSON that becomes the state machine's input (Step Functions action InputType FilePath)."
  type        = string
  default     = "pipeline/training-config.json"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", var.config_file)) && !strcontains(var.config_file, "..")
    error_message = "config_file must be a relative path inside the source artifact such as \"pipeline/training-config.json\" (letters, digits, . _ - and /, no leading slash, no \"..\")."
  }
}

variable "deploy" {
  description = "Deploy stage (account C): the action role that CodePipeline assumes to invoke the deployer Lambda, the function's name (or ARN, in the action role's account), and the callback role this module creates in account A (callback_role_name, contract shared.callback_role_name), which the deployer assumes to report the job result and which trusts exactly the deployer's execution role (deployer_role_arn, in the action role's account)."
  type = object({
    action_role_arn    = string
    callback_role_name = string
    deployer_role_arn  = string
    function_name      = string
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", var.deploy.action_role_arn))
    error_message = "deploy.action_role_arn must be an IAM role ARN such as arn:aws:iam::333333333333:role/mlops-deploy-action."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.deploy.callback_role_name))
    error_message = "deploy.callback_role_name must be a valid IAM role name such as mlops-pipeline-callback: 1-64 letters, digits and + = , . @ _ -."
  }

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", var.deploy.deployer_role_arn))
    error_message = "deploy.deployer_role_arn must be an exact IAM role ARN such as arn:aws:iam::333333333333:role/mlops-deployer (the only role the callback role trusts; no wildcard, not an account root)."
  }

  validation {
    condition     = try(split(":", var.deploy.deployer_role_arn)[4] == split(":", var.deploy.action_role_arn)[4], true)
    error_message = "deploy.deployer_role_arn must be in the same account as deploy.action_role_arn: the deployer runs in the account whose role invokes it."
  }

  validation {
    condition     = can(regex("^([A-Za-z0-9_-]{1,64}|arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?)$", var.deploy.function_name))
    error_message = "deploy.function_name must be a Lambda function name (1-64 letters, digits, - and _) or a function ARN such as arn:aws:lambda:eu-west-1:333333333333:function:mlops-deployer."
  }

  validation {
    condition     = !can(regex("^arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:[0-9]{12}:function:", var.deploy.function_name)) || !can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", var.deploy.action_role_arn)) || try(split(":", var.deploy.function_name)[4] == split(":", var.deploy.action_role_arn)[4], true)
    error_message = "deploy.function_name, when an ARN, must be in the same account as deploy.action_role_arn (the action runs with that role's credentials)."
  }
}

variable "name" {
  description = "Name of the pipeline (contract: <prefix>-pipeline). Also the base of the approval topic, the event rule and the events role names, and the Step Functions execution name prefix."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$", var.name))
    error_message = "name must be 1-50 letters, digits, hyphens and underscores, starting with a letter or digit (it is reused in SNS topic, event rule and IAM role names)."
  }
}

variable "pipeline_artifact_prefix" {
  description = "Key prefix under which CodePipeline writes its artifacts in the artifact bucket: the first 20 characters of the pipeline name followed by \"/\" (contract output artifact_prefixes.pipeline)."
  type        = string
  nullable    = false

  validation {
    condition     = var.pipeline_artifact_prefix == "${substr(var.name, 0, 20)}/"
    error_message = "pipeline_artifact_prefix must be the first 20 characters of name followed by \"/\" (CodePipeline chooses that prefix itself; for name \"mlops-pipeline\" it is \"mlops-pipeline/\")."
  }
}

variable "pipeline_source" {
  description = <<-EOT
    Where the pipeline's source comes from (the variable cannot be called "source": Terraform reserves that name in module blocks).
    type = "codecommit" (default): the CodeCommit repository repository_name (created by modules/codecommit-repository, outside this module, so that replacing the pipeline never destroys the repository); an EventBridge rule starts the pipeline on a push to branch.
    type = "s3": the zip object s3_object_key (under source_object_prefix) in the artifact bucket; an EventBridge rule starts the pipeline on "Object Created" for that key.
    type = "codeconnections": connection_arn (an AVAILABLE CodeConnections/CodeStar connection) and full_repository_id ("owner/repo"); a pipeline V2 trigger starts the pipeline on a push to branch.
  EOT
  type = object({
    type               = optional(string, "codecommit")
    branch             = optional(string, "main")
    connection_arn     = optional(string)
    full_repository_id = optional(string)
    repository_name    = optional(string)
    s3_object_key      = optional(string)
  })
  nullable = false

  validation {
    condition     = contains(["codecommit", "s3", "codeconnections"], var.pipeline_source.type)
    error_message = "pipeline_source.type must be one of \"codecommit\", \"s3\" or \"codeconnections\"."
  }

  validation {
    condition     = var.pipeline_source.type == "s3" || try(can(regex("^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$", var.pipeline_source.branch)) && !strcontains(var.pipeline_source.branch, "..") && !endswith(var.pipeline_source.branch, "/") && !endswith(var.pipeline_source.branch, ".lock"), false)
    error_message = "pipeline_source.branch must be a Git branch name such as \"main\" (letters, digits, . _ - /, no \"..\", not ending in / or .lock)."
  }

  validation {
    condition     = var.pipeline_source.type != "codecommit" || try(can(regex("^[A-Za-z0-9._-]{1,100}$", var.pipeline_source.repository_name)) && !endswith(var.pipeline_source.repository_name, ".git"), false)
    error_message = "pipeline_source.repository_name is required when pipeline_source.type is \"codecommit\": 1-100 letters, digits, . _ and -, not ending in .git."
  }

  validation {
    condition     = var.pipeline_source.type != "s3" || try(startswith(var.pipeline_source.s3_object_key, var.source_object_prefix) && endswith(var.pipeline_source.s3_object_key, ".zip") && length(var.pipeline_source.s3_object_key) > length(var.source_object_prefix) + 4 && !strcontains(var.pipeline_source.s3_object_key, ".."), false)
    error_message = "pipeline_source.s3_object_key is required when pipeline_source.type is \"s3\": a .zip object key under source_object_prefix, such as \"source/training.zip\"."
  }

  validation {
    condition     = var.pipeline_source.type != "codeconnections" || can(regex("^arn:aws(-cn|-us-gov)?:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[A-Za-z0-9-]+$", var.pipeline_source.connection_arn))
    error_message = "pipeline_source.connection_arn is required when pipeline_source.type is \"codeconnections\": arn:aws:codeconnections:<region>:<account>:connection/<id> (or the older codestar-connections form)."
  }

  validation {
    condition     = var.pipeline_source.type != "codeconnections" || can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", var.pipeline_source.full_repository_id))
    error_message = "pipeline_source.full_repository_id is required when pipeline_source.type is \"codeconnections\": \"owner/repository\" (nested groups allowed, e.g. \"group/sub/repo\")."
  }
}

variable "role_name" {
  description = "Name of the pipeline service role (contract: <prefix>-pipeline). The action roles in accounts B and C trust exactly this role's ARN."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name: 1-64 letters, digits and + = , . @ _ -."
  }
}

variable "source_object_prefix" {
  description = "Key prefix in the artifact bucket reserved for S3 source objects (contract output artifact_prefixes.source). Only used when pipeline_source.type is \"s3\"."
  type        = string
  default     = "source/"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$", var.source_object_prefix))
    error_message = "source_object_prefix must be a key prefix ending in \"/\", such as \"source/\"."
  }

  validation {
    condition     = var.source_object_prefix != var.pipeline_artifact_prefix
    error_message = "source_object_prefix must differ from pipeline_artifact_prefix: the pipeline role may write under its artifact prefix, and must not be able to overwrite the source."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "training" {
  description = "Train stage (account B): the action role that CodePipeline assumes to start the state machine, and the state machine's ARN (same region as the pipeline)."
  type = object({
    action_role_arn   = string
    state_machine_arn = string
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", var.training.action_role_arn))
    error_message = "training.action_role_arn must be an IAM role ARN such as arn:aws:iam::222222222222:role/mlops-training-action."
  }

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", var.training.state_machine_arn))
    error_message = "training.state_machine_arn must be a Step Functions state machine ARN such as arn:aws:states:eu-west-1:222222222222:stateMachine:mlops-training."
  }

  validation {
    condition     = !can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", var.training.action_role_arn)) || !can(regex("^arn:aws(-cn|-us-gov)?:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", var.training.state_machine_arn)) || try(split(":", var.training.action_role_arn)[4] == split(":", var.training.state_machine_arn)[4], true)
    error_message = "training.action_role_arn and training.state_machine_arn must be in the same account (the action starts the execution with that role's credentials)."
  }

  validation {
    condition     = !can(regex("^arn:aws(-cn|-us-gov)?:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", var.training.state_machine_arn)) || !can(regex("^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.artifact_kms_key_arn)) || try(split(":", var.training.state_machine_arn)[3] == split(":", var.artifact_kms_key_arn)[3], true)
    error_message = "training.state_machine_arn must be in the pipeline's region (the region of artifact_kms_key_arn)."
  }
}
