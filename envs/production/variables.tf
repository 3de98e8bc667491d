variable "deployer" {
  description = <<-EOT
    Deployer Lambda settings; an attribute left out takes the default of modules/prod-deployer (which validates
    them): keep_versions, log_retention_days, memory_mb, reserved_concurrency, runtime, timeout_seconds.
    reserved_concurrency is null (no reservation) by default: Lambda refuses a reservation that leaves the
    account less than 100 unreserved concurrent executions (new accounts often have a quota of 10). Deployments
    are serialised without it, because the pipeline runs in QUEUED execution mode: only one execution is in the
    Deploy stage at a time. Set a whole number of 1 or more only where the account's quota leaves room.
  EOT
  type = object({
    keep_versions        = optional(number)
    log_retention_days   = optional(number)
    memory_mb            = optional(number)
    reserved_concurrency = optional(number)
    runtime              = optional(string)
    timeout_seconds      = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.deployer.reserved_concurrency == null ? true : (var.deployer.reserved_concurrency >= 1 && floor(var.deployer.reserved_concurrency) == var.deployer.reserved_concurrency)
    error_message = "deployer.reserved_concurrency must be null (no reservation, the default) or a whole number of 1 or more."
  }
}

variable "endpoint" {
  description = <<-EOT
    The production endpoint: type serverless (default; memory_mb, max_concurrency) or instance (instance_type,
    instance_count, canary_size_percent, canary_wait_seconds, rollback_alarm_names, data_capture_s3_uri).
    Validated by modules/prod-deployer. Trade-off: SageMaker Serverless Inference does not support network
    isolation, so a serverless endpoint's model container can reach the internet; an instance endpoint's model
    runs with network isolation. The type of an existing endpoint cannot be changed by a deployment: delete the
    endpoint first (the deployer refuses the change and says so).
  EOT
  type = object({
    type = optional(string)
    serverless = optional(object({
      memory_mb       = optional(number)
      max_concurrency = optional(number)
    }))
    instance = optional(object({
      instance_type        = optional(string)
      instance_count       = optional(number)
      canary_size_percent  = optional(number)
      canary_wait_seconds  = optional(number)
      rollback_alarm_names = optional(list(string))
      data_capture_s3_uri  = optional(string)
    }))
  })
  default  = {}
  nullable = false
}

variable "key_administrators" {
  description = "ARNs of the IAM roles or users in account C that administer the log CMK and the model store's CMK (they manage the keys, never use them). Include the role Terraform runs as, or KMS refuses the key policy."
  type        = list(string)
  nullable    = false
}

variable "package_file" {
  description = "Path of the deployer's zip, built by scripts/package_lambda.py (make package)."
  type        = string
  default     = "../../build/deployer.zip"
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource of this account."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "xgboost_image_tag" {
  description = "Version tag of the SageMaker built-in XGBoost image that serves the model (repository sagemaker-xgboost, resolved in account C's region), for example 1.7-1. Keep it equal to envs/training's training.xgboost_image_tag (default 1.7-1), so the model is served by the framework version that trained it. Pinned: never latest."
  type        = string
  default     = "1.7-1"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+-[0-9]+(-cpu-py3)?$", var.xgboost_image_tag))
    error_message = "xgboost_image_tag must be a pinned framework version such as \"1.7-1\" (<major>.<minor>-<build>), not latest."
  }
}

variable "release_readers" {
  description = "ARNs of the IAM roles of account C that may read the release records in the model store (releases/current.json: what runs in production, who approved it, on what evidence). Validated by modules/prod-deployer; none by default."
  type        = list(string)
  default     = []
  nullable    = false
}
