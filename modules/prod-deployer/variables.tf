variable "account_id" {
  description = "ID of the account the module deploys into (account C). A variable rather than aws_caller_identity, so that plans need no STS call and every ARN the policies need is known at plan time."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID (for example \"333333333333\")."
  }
}

variable "artifact_bucket_arn" {
  description = "ARN of account A's artifact bucket, where the training outputs (model.tar.gz) live: the deployer copies the pinned model version from it into the model store (its name becomes SOURCE_BUCKET)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_arn))
    error_message = "artifact_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1 (no key path)."
  }
}

variable "artifact_kms_key_arn" {
  description = "ARN of account A's artifact CMK (a key ARN, not an alias): the deployer decrypts the pinned model.tar.gz with it, through S3 only, when it copies it into the model store."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.artifact_kms_key_arn))
    error_message = "artifact_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); an alias ARN cannot be used in IAM policies."
  }
}

variable "callback_role_arn" {
  description = "ARN of account A's callback role, the only role the deployer may assume; it answers the pipeline job (PutJobSuccessResult/PutJobFailureResult) through it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z0-9+=,.@_/-]{1,512}$", var.callback_role_arn))
    error_message = "callback_role_arn must be an IAM role ARN such as arn:aws:iam::111111111111:role/mlops-pipeline-callback."
  }
}

variable "endpoint" {
  description = <<-EOT
    Endpoint settings, passed to the Lambda as ENDPOINT_CONFIG (JSON). type "serverless" (the default;
    memory_mb 1024-6144 in steps of 1024, max_concurrency 1-200; updates are SageMaker's default blue/green
    all-at-once) or "instance" (instance_type, instance_count; updates are blue/green with canary traffic
    shifting of canary_size_percent for canary_wait_seconds, rolled back automatically when one of
    rollback_alarm_names fires; optional data capture of requests and responses to data_capture_s3_uri).
    Trade-off: SageMaker Serverless Inference does not support network isolation, so a serverless endpoint's
    model container can reach the internet; an instance endpoint's model runs with network isolation (no
    inbound or outbound network access). The type of an existing endpoint cannot be changed by a deployment:
    delete the endpoint first (the deployer refuses the change and says so).
  EOT
  type = object({
    type = optional(string, "serverless")
    serverless = optional(object({
      memory_mb       = optional(number, 2048)
      max_concurrency = optional(number, 5)
    }), {})
    instance = optional(object({
      instance_type        = string
      instance_count       = optional(number, 2)
      canary_size_percent  = optional(number, 10)
      canary_wait_seconds  = optional(number, 300)
      rollback_alarm_names = optional(list(string), [])
      data_capture_s3_uri  = optional(string)
    }))
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["serverless", "instance"], var.endpoint.type)
    error_message = "endpoint.type must be \"serverless\" or \"instance\"."
  }

  validation {
    condition     = var.endpoint.type != "instance" || var.endpoint.instance != null
    error_message = "endpoint.instance must be set (at least instance_type) when endpoint.type is \"instance\"."
  }

  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 6144], var.endpoint.serverless.memory_mb)
    error_message = "endpoint.serverless.memory_mb must be one of 1024, 2048, 3072, 4096, 5120, 6144 (SageMaker Serverless sizes)."
  }

  validation {
    condition     = var.endpoint.serverless.max_concurrency >= 1 && var.endpoint.serverless.max_concurrency <= 200 && floor(var.endpoint.serverless.max_concurrency) == var.endpoint.serverless.max_concurrency
    error_message = "endpoint.serverless.max_concurrency must be a whole number from 1 to 200."
  }

  validation {
    condition     = var.endpoint.instance == null ? true : can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.endpoint.instance.instance_type))
    error_message = "endpoint.instance.instance_type must be a SageMaker instance type such as ml.m5.large."
  }

  validation {
    condition     = var.endpoint.instance == null ? true : (var.endpoint.instance.instance_count >= 1 && var.endpoint.instance.instance_count <= 100 && floor(var.endpoint.instance.instance_count) == var.endpoint.instance.instance_count)
    error_message = "endpoint.instance.instance_count must be a whole number from 1 to 100 (2 or more for availability across zones)."
  }

  validation {
    condition     = var.endpoint.instance == null ? true : (var.endpoint.instance.canary_size_percent >= 1 && var.endpoint.instance.canary_size_percent <= 50 && floor(var.endpoint.instance.canary_size_percent) == var.endpoint.instance.canary_size_percent)
    error_message = "endpoint.instance.canary_size_percent must be a whole number from 1 to 50 (SageMaker's limit for a canary)."
  }

  validation {
    condition     = var.endpoint.instance == null ? true : (var.endpoint.instance.canary_wait_seconds >= 0 && var.endpoint.instance.canary_wait_seconds <= 3600 && floor(var.endpoint.instance.canary_wait_seconds) == var.endpoint.instance.canary_wait_seconds)
    error_message = "endpoint.instance.canary_wait_seconds must be a whole number of seconds from 0 to 3600."
  }

  validation {
    condition     = var.endpoint.instance == null ? true : (length(var.endpoint.instance.rollback_alarm_names) <= 10 && alltrue([for a in var.endpoint.instance.rollback_alarm_names : can(regex("^[^\\x00-\\x1f]{1,255}$", a))]))
    error_message = "endpoint.instance.rollback_alarm_names must hold at most 10 CloudWatch alarm names of 1-255 characters."
  }

  validation {
    condition     = var.endpoint.instance == null ? true : (var.endpoint.instance.data_capture_s3_uri == null ? true : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.endpoint.instance.data_capture_s3_uri)))
    error_message = "endpoint.instance.data_capture_s3_uri must be an S3 URI such as s3://bucket/prefix/, or null for no data capture."
  }
}

variable "endpoint_name" {
  description = "Name of the SageMaker endpoint the deployer creates and updates (lower case: IAM matches SageMaker ARNs, which are lower case)."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.endpoint_name) <= 63 && can(regex("^[a-z0-9](-*[a-z0-9])*$", var.endpoint_name))
    error_message = "endpoint_name must be 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "function_name" {
  description = "Name of the deployer Lambda function (the contract's deployer_name, e.g. mlops-deployer)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "keep_versions" {
  description = "After a successful deployment, keep this many newest models and endpoint configs with name_prefix (plus any in use) and delete older ones; 0 disables clean-up."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.keep_versions >= 0 && var.keep_versions <= 100 && floor(var.keep_versions) == var.keep_versions
    error_message = "keep_versions must be a whole number from 0 (no clean-up) to 100."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of the CMK in this account and region that encrypts the Lambda's log group (its key policy must allow CloudWatch Logs)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) in the deployer's account and region."
  }
}

variable "log_retention_days" {
  description = "Retention of the Lambda's log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "memory_mb" {
  description = "Memory of the deployer Lambda, in MB."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240 && floor(var.memory_mb) == var.memory_mb
    error_message = "memory_mb must be a whole number of MB from 128 to 10240."
  }
}

variable "model_package_group_name" {
  description = "Name of the SageMaker model package group this module creates (the contract's model_package_group_name, e.g. mlops-models): every release is a model package version in it (MODEL_PACKAGE_GROUP)."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.model_package_group_name) <= 63 && can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.model_package_group_name))
    error_message = "model_package_group_name must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's ModelPackageGroupName pattern)."
  }
}

variable "model_prefix" {
  description = "Key prefix of the training outputs in A's artifact bucket (SOURCE_MODEL_PREFIX); the deployer may read only <model_prefix><training_job_prefix>-*/output/model.tar.gz under it."
  type        = string
  default     = "models/"
  nullable    = false

  validation {
    condition     = can(regex("^([a-zA-Z0-9!_.*'()-]+/)+$", var.model_prefix))
    error_message = "model_prefix must be a key prefix ending with \"/\" and not starting with one, such as \"models/\"."
  }
}

variable "model_role_name" {
  description = "Name of the SageMaker model execution role this module creates (the contract's model_role_name)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.model_role_name))
    error_message = "model_role_name must be a valid IAM role name: 1-64 letters, digits and +=,.@_-."
  }
}

variable "model_store_bucket_name" {
  description = "Name of the model store bucket this module creates in account C (the contract's model_store_bucket_name, e.g. mlops-models-333333333333-eu-west-1): incoming/ (copies from A, checked), models/<sha256 hex>/model.tar.gz (verified, what SageMaker reads), releases/ (release records). MODEL_STORE_BUCKET."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.model_store_bucket_name))
    error_message = "model_store_bucket_name must be 3-63 characters of lower-case letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "model_store_key_administrators" {
  description = "ARNs of the IAM principals of account C that administer the model store's CMK (see modules/kms-key: exact role or user ARNs, or IAM Identity Center role patterns ending in _*). They manage the key, never encrypt or decrypt with it. Include the role Terraform runs as, or KMS refuses the key policy."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.model_store_key_administrators) > 0
    error_message = "model_store_key_administrators must name at least one IAM principal: a key without administrators cannot be managed or recovered."
  }

  validation {
    condition = alltrue([for a in var.model_store_key_administrators :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", a)) ||
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))
    ])
    error_message = "model_store_key_administrators must be IAM role or user ARNs without wildcards, or IAM Identity Center role patterns ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }

  validation {
    condition     = alltrue([for a in var.model_store_key_administrators : !can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a)) || split(":", a)[4] == var.account_id])
    error_message = "model_store_key_administrators must be principals of account_id (account C): no other account administers the model store's key."
  }
}

variable "release_readers" {
  description = "ARNs of the IAM roles of account C that may read the release records (releases/ of the model store, through S3 with its CMK): auditors who answer \"what runs in production, and who approved it\". Exact role ARNs; none by default."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.release_readers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a))])
    error_message = "release_readers must be IAM role ARNs without wildcards (arn:aws:iam::<account C>:role/<name>)."
  }

  validation {
    condition     = alltrue([for a in var.release_readers : !can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a)) || split(":", a)[4] == var.account_id])
    error_message = "release_readers must be roles of account_id (account C): the model store grants nothing to another account."
  }
}

variable "name_prefix" {
  description = "Prefix of the SageMaker model and endpoint config names the deployer derives (the contract's sagemaker_prefix); its IAM policy is limited to it."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name_prefix) <= 40 && can(regex("^[a-z0-9](-*[a-z0-9])*$", var.name_prefix))
    error_message = "name_prefix must be 1-40 lower-case letters, digits and hyphens, starting and ending with a letter or digit (room is left for the derived suffix within SageMaker's 63 characters)."
  }
}

variable "package_file" {
  description = "Path of the deployer zip built by scripts/package_lambda.py (e.g. \"../../build/deployer.zip\" from an env)."
  type        = string
  nullable    = false

  validation {
    condition     = endswith(var.package_file, ".zip")
    error_message = "package_file must be the path of a .zip built by scripts/package_lambda.py."
  }
}

variable "pipeline_name" {
  description = "Name of account A's pipeline (the contract's pipeline_name), PIPELINE_NAME: the deployer reads who approved the execution (ListActionExecutions through A's callback role) and names it in the release record."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9.@_-]{1,100}$", var.pipeline_name))
    error_message = "pipeline_name must be a CodePipeline pipeline name: 1-100 letters, digits and . @ _ -."
  }
}

variable "reserved_concurrency" {
  description = <<-EOT
    Reserved concurrent executions of the deployer, or null (the default) for none. Lambda refuses a reservation
    that leaves the account less than its minimum unreserved concurrency (100), and new accounts often have a
    total quota of 10, so a default reservation would make CreateFunction fail there. None is needed to serialise
    deployments: the pipeline runs in QUEUED execution mode (modules/codepipeline), so only one execution is in
    the Deploy stage at a time, and each job's deployer steps are idempotent. Set a whole number of 1 or more only
    in an account whose quota leaves room (for example to cap the deployer's concurrency).
  EOT
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null ? true : (var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency)
    error_message = "reserved_concurrency must be null (no reservation) or a whole number of 1 or more."
  }
}

variable "role_name" {
  description = "Name of the deployer Lambda's execution role (the contract's deployer_role_name)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name: 1-64 letters, digits and +=,.@_-."
  }
}

variable "runtime" {
  description = "Python runtime of the deployer Lambda."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of python3.11, python3.12, python3.13 (the deployer needs Python 3.11 or later)."
  }
}

variable "tags" {
  description = "Tags for every taggable resource of this module; also passed to the Lambda (RESOURCE_TAGS) for the SageMaker resources it creates."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "timeout_seconds" {
  description = "Timeout of one deployer invocation, in seconds. Each invocation only makes a few API calls and returns a continuation token, so a minute is plenty."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.timeout_seconds >= 30 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number from 30 (the deployer keeps a 10 s safety margin) to 900."
  }
}

variable "training_job_prefix" {
  description = "Prefix of account B's training job names (the contract's training_job_prefix), TRAINING_JOB_PREFIX: the deployer may read only <model_prefix><training_job_prefix>-*/output/model.tar.gz in A's bucket, and checks the training job it is given against it."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.training_job_prefix) <= 30 && can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.training_job_prefix))
    error_message = "training_job_prefix must be 1-30 letters, digits and hyphens, starting and ending with a letter or digit (as modules/training-sfn requires)."
  }
}

variable "xgboost_image_tag" {
  description = "Version tag of the SageMaker built-in XGBoost image (repository sagemaker-xgboost) that serves the model, for example 1.7-1: the same tag as the training image (envs/training, modules/training-sfn xgboost_image_tag). Resolved in this account and region (MODEL_IMAGE_URI). Pinned: never latest."
  type        = string
  default     = "1.7-1"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+-[0-9]+(-cpu-py3)?$", var.xgboost_image_tag))
    error_message = "xgboost_image_tag must be a pinned framework version such as \"1.7-1\" (<major>.<minor>-<build>), not latest."
  }
}
