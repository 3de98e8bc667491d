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

variable "approvers" {
  description = "Roles in account A of the people who approve releases (the pipeline's Approve action only, and reading the pipeline). Exact role ARNs or IAM Identity Center role patterns. Validated by modules/personas."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "data_writers" {
  description = "Roles of the people who upload training data (put and list under data/, with a plain upload). Exact role ARNs, in any account, or IAM Identity Center role patterns. Validated by modules/personas; see README, Applying to three real accounts."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "force_destroy" {
  description = "Let Terraform delete the artifact bucket with its objects (for rehearsals and sandboxes; keep false in real accounts)."
  type        = bool
  default     = false
  nullable    = false
}

variable "key_administrators" {
  description = "IAM roles or users of account A that administer the artifact CMK (never use it): exact ARNs, or IAM Identity Center role patterns ending in _* (see modules/kms-key). Include the role Terraform runs as, or KMS refuses the key policy. Never the pipeline role."
  type        = list(string)
  nullable    = false
}

variable "observers" {
  description = "Roles in account A of the people who watch the pipeline (its state and executions; no data, no models). Exact role ARNs or IAM Identity Center role patterns. Validated by modules/personas."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "pipeline_source" {
  description = "Source of the pipeline: codecommit (default; the repository is created here by modules/codecommit-repository, with pull_request_approvals approvals on pull requests into branch), s3 (a zip under source/ in the artifact bucket) or codeconnections (GitHub and others). See modules/codepipeline."
  type = object({
    type                   = optional(string, "codecommit")
    branch                 = optional(string, "main")
    connection_arn         = optional(string)
    full_repository_id     = optional(string)
    pull_request_approvals = optional(number, 1)
    repository_name        = optional(string)
    s3_object_key          = optional(string)
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

variable "source_writers" {
  description = "Roles of the people who change the training source: put the S3 source object (s3 source, any account) or push to the CodeCommit repository (codecommit source, account A only). Exact role ARNs or IAM Identity Center role patterns. Validated by modules/personas."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource of this account."
  type        = map(string)
  default     = {}
  nullable    = false
}
