variable "access_log_bucket" {
  description = "Existing bucket in account A that receives the artifact bucket's server access logs; null disables access logging."
  type        = string
  default     = null
}

variable "accounts" {
  description = "Account IDs of the three accounts: shared (this one, A), training (B), production (C). Validated by modules/contract."
  type = object({
    shared     = string
    training   = string
    production = string
  })
  nullable = false
}

variable "approval" {
  description = "Manual approval settings: e-mail addresses subscribed to the approval topic, the reviewer message and an optional timeout in minutes."
  type = object({
    emails             = optional(list(string), [])
    message            = optional(string, "Review the training execution and its quality gate before deploying the model to production.")
    timeout_in_minutes = optional(number)
  })
  default  = {}
  nullable = false
}

variable "force_destroy" {
  description = "Let Terraform delete the artifact bucket with its objects (for rehearsals and sandboxes; keep false in real accounts)."
  type        = bool
  default     = false
  nullable    = false
}

variable "key_administrators" {
  description = "ARNs of the IAM roles or users in account A that administer the artifact CMK. Include the role Terraform runs as, or KMS refuses the key policy. Never the pipeline role."
  type        = list(string)
  nullable    = false
}

variable "pipeline_source" {
  description = "Source of the pipeline: codecommit (default; the repository is created here), s3 (a zip under source/ in the artifact bucket) or codeconnections (GitHub and others). See modules/codepipeline."
  type = object({
    type               = optional(string, "codecommit")
    branch             = optional(string, "main")
    connection_arn     = optional(string)
    full_repository_id = optional(string)
    repository_name    = optional(string)
    s3_object_key      = optional(string)
  })
  nullable = false
}

variable "prefix" {
  description = "Prefix of every resource name in the three accounts (part of the cross-account contract). Validated by modules/contract."
  type        = string
  nullable    = false
}

variable "region" {
  description = "AWS region of the three accounts' resources. Validated by modules/contract."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource of this account."
  type        = map(string)
  default     = {}
  nullable    = false
}
