variable "deployer" {
  description = "Deployer Lambda settings; an attribute left out takes the default of modules/prod-deployer (which validates them): keep_versions, log_retention_days, memory_mb, runtime, timeout_seconds."
  type = object({
    keep_versions      = optional(number)
    log_retention_days = optional(number)
    memory_mb          = optional(number)
    runtime            = optional(string)
    timeout_seconds    = optional(number)
  })
  default  = {}
  nullable = false
}

variable "endpoint" {
  description = "The production endpoint: type serverless (default; memory_mb, max_concurrency) or instance (instance_type, instance_count, canary_size_percent, canary_wait_seconds, rollback_alarm_names, data_capture_s3_uri). Validated by modules/prod-deployer."
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
  description = "ARNs of the IAM roles or users in account C that administer the log CMK. Include the role Terraform runs as, or KMS refuses the key policy."
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
