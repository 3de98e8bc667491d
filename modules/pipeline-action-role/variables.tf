variable "action" {
  description = "What the pipeline runs with this role, exactly one of: state_machine_arn, a Step Functions state machine (the role may describe it, start executions, describe and stop its executions), or function_arn, a Lambda function (the role may invoke it). In the role's account (grant.principal_arn): the action runs with this role's credentials."
  type = object({
    function_arn      = optional(string)
    state_machine_arn = optional(string)
  })
  nullable = false

  validation {
    condition     = (var.action.function_arn == null) != (var.action.state_machine_arn == null)
    error_message = "action must name exactly one target: state_machine_arn (a Step Functions action) or function_arn (a Lambda action), not both and not neither."
  }

  validation {
    condition     = var.action.state_machine_arn == null || can(regex("^arn:aws(-cn|-us-gov)?:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", var.action.state_machine_arn))
    error_message = "action.state_machine_arn must be a Step Functions state machine ARN such as arn:aws:states:eu-west-1:222222222222:stateMachine:mlops-training."
  }

  validation {
    condition     = var.action.function_arn == null || can(regex("^arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}$", var.action.function_arn))
    error_message = "action.function_arn must be an unqualified Lambda function ARN such as arn:aws:lambda:eu-west-1:333333333333:function:mlops-deployer."
  }

  validation {
    condition     = try(split(":", coalesce(var.action.state_machine_arn, var.action.function_arn))[4] == split(":", var.grant.principal_arn)[4], true)
    error_message = "action's state_machine_arn or function_arn must be in the account of grant.principal_arn (the role this module creates): the action runs with this role's credentials."
  }
}

variable "artifact_bucket_arn" {
  description = "ARN of the pipeline's artifact bucket (account A; contract output shared.bucket_arn): the grant's prefixes are keys of this bucket."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_arn))
    error_message = "artifact_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1 (no key, no wildcard)."
  }
}

variable "artifact_kms_key_arn" {
  description = "Key ARN (not an alias) of the CMK that encrypts the artifact bucket (account A)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.artifact_kms_key_arn))
    error_message = "artifact_kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<key-id> (an alias ARN cannot be granted in IAM policies)."
  }
}

variable "grant" {
  description = "The role's grant on the artifact bucket and its CMK, as account A's bucket and key policies grant it (an entry of modules/contract output grants, with the attribute names of modules/kms-bucket's access entries). principal_arn is the role this module creates (its name is the part after role/); read_prefixes and write_prefixes are key prefixes ending in / or key patterns ending in * (GetObject and GetObjectVersion, PutObject); a pipeline action lists nothing (list, list_prefixes, list_versions_prefixes stay empty) and uses the CMK directly (key_use \"full\")."
  type = object({
    principal_arn          = string
    read_prefixes          = optional(list(string), [])
    write_prefixes         = optional(list(string), [])
    list                   = optional(bool, false)
    list_prefixes          = optional(list(string), [])
    list_versions_prefixes = optional(list(string), [])
    key_use                = optional(string, "full")
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_-]{1,64}$", var.grant.principal_arn))
    error_message = "grant.principal_arn must be the exact ARN of the role this module creates, without a path or wildcard (arn:aws:iam::<12-digit account>:role/<name>)."
  }

  validation {
    condition     = alltrue([for p in concat(var.grant.read_prefixes, var.grant.write_prefixes) : can(regex("^[a-zA-Z0-9!_.*'()/-]+[/*]$", p))])
    error_message = "grant.read_prefixes and grant.write_prefixes must be key prefixes ending in \"/\" (for example models/) or key patterns ending in \"*\" (for example mlops-pipeline/SourceOutp*); not \"\": an action role never gets the whole bucket."
  }

  validation {
    condition     = !var.grant.list && length(var.grant.list_prefixes) == 0 && length(var.grant.list_versions_prefixes) == 0
    error_message = "grant.list, grant.list_prefixes and grant.list_versions_prefixes must be false and empty: a pipeline action reads and writes its artifacts by key and lists nothing (this module builds no listing statement, so it would allow less than the grant)."
  }

  validation {
    condition     = var.grant.key_use == "full"
    error_message = "grant.key_use must be \"full\": a pipeline action role uses the CMK directly (\"s3\", through S3 only, is for people)."
  }
}

variable "pipeline_role_arn" {
  description = "ARN of account A's pipeline service role (contract output shared.pipeline_role_arn): the only principal the role trusts (account principal plus an aws:PrincipalArn condition, modules/cross-account-role)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", var.pipeline_role_arn))
    error_message = "pipeline_role_arn must be an exact IAM role ARN such as arn:aws:iam::111111111111:role/mlops-pipeline (no wildcard, not an account root)."
  }
}

variable "policy_name" {
  description = "Name of the role's inline policy (for example run-training, invoke-deployer)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.policy_name))
    error_message = "policy_name must be 1-128 letters, digits and + = , . @ _ - (an IAM policy name)."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
  nullable    = false
}
