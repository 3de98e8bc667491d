variable "key_administrators" {
  description = "ARNs of the IAM roles or users in account B that administer the log CMK. Include the role Terraform runs as, or KMS refuses the key policy."
  type        = list(string)
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the state machine's log group, in days. Validated by modules/training-sfn."
  type        = number
  default     = 365
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource of this account."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "training" {
  description = "Training job settings; an attribute left out takes the default of modules/training-sfn (which validates them): instance_type, instance_count, volume_size_gb, max_runtime_seconds, spot {enabled, max_wait_seconds}, xgboost_image_tag."
  type = object({
    instance_count      = optional(number)
    instance_type       = optional(string)
    max_runtime_seconds = optional(number)
    spot = optional(object({
      enabled          = optional(bool)
      max_wait_seconds = optional(number)
    }))
    volume_size_gb    = optional(number)
    xgboost_image_tag = optional(string)
  })
  default  = {}
  nullable = false
}
