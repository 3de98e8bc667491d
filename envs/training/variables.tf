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

variable "quality_gate" {
  description = "The platform's quality gate for every model of this account: metric (validation:<metric>, the one every training configuration must gate on) and floor (the least the metric must reach in its direction; a configuration may ask for more, never less)."
  type = object({
    metric = optional(string, "validation:auc")
    floor  = optional(number, 0.7)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(keys(module.training.quality_gate_metrics), var.quality_gate.metric)
    error_message = "quality_gate.metric must be a metric the training state machine can gate on (output quality_gate_metrics of modules/training-sfn), for example validation:auc."
  }

  validation {
    condition     = var.quality_gate.floor != null && abs(var.quality_gate.floor) <= 1000000000000000
    error_message = "quality_gate.floor must be a finite number (at most 10^15 in magnitude)."
  }
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
