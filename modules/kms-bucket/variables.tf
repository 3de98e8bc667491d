variable "access" {
  description = "Who may touch which objects. Each entry names one IAM role (principal_arn, in any account; an IAM Identity Center role pattern ending in _* for people) and what it may do: read_prefixes and write_prefixes (key prefixes ending in /, \"\" is the whole bucket; a prefix ending in * matches a partial last segment on purpose, such as CodePipeline's truncated artifact folders), write_keys (exact object keys), list (the whole bucket, with its location and versioning) or list_prefixes (ListBucket only under these prefixes), list_versions_prefixes (ListBucketVersions, that is ListObjectVersions, only with exactly one of these prefixes as the request's prefix), and key_use: \"full\" for workload roles that use the CMK directly, \"s3\" for people, who may use it only through S3 and only for their reads (kms:Decrypt) and writes (kms:GenerateDataKey, kms:Decrypt). Only these principals get access through the bucket and key policies; principals in other accounts also need the same rights in their own identity policy."
  type = list(object({
    principal_arn  = string
    read_prefixes  = optional(list(string), [])
    write_prefixes = optional(list(string), [])
    write_keys     = optional(list(string), [])
    list           = optional(bool, false)
    list_prefixes  = optional(list(string), [])
    # ListObjectVersions is authorized as s3:ListBucketVersions, with the request's prefix as s3:prefix.
    list_versions_prefixes = optional(list(string), [])
    key_use                = optional(string, "full")
  }))
  default  = []
  nullable = false

  validation {
    condition = alltrue([for a in var.access :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z0-9+=,.@_/-]+$", a.principal_arn)) ||
      (a.key_use == "s3" && can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a.principal_arn)))
    ])
    error_message = "access[*].principal_arn must be an exact IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), without wildcards; only people (key_use = \"s3\") may be named by an IAM Identity Center role pattern (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }

  validation {
    condition = alltrue(flatten([for a in var.access : [
      for p in concat(a.read_prefixes, a.write_prefixes, a.list_prefixes) : p == "" || can(regex("^[a-zA-Z0-9!_.*'()/-]+[/*]$", p))
    ]]))
    error_message = "access prefixes must be \"\" (whole bucket), key prefixes ending in \"/\" (for example models/) or, to match a partial last segment on purpose, ending in \"*\" (for example mlops-pipeline/SourceOutp*)."
  }

  # Exact prefixes (the grant is s3:prefix StringEquals): a folder ending in "/", never "" or a wildcard (a
  # request without a prefix lists the whole bucket and carries no s3:prefix at all).
  validation {
    condition = alltrue(flatten([for a in var.access : [
      for p in a.list_versions_prefixes : can(regex("^[a-zA-Z0-9!_.'()/-]+/$", p))
    ]]))
    error_message = "access[*].list_versions_prefixes must be exact key prefixes ending in \"/\" such as data/train/: not \"\" (the whole bucket) and without a wildcard (the request's prefix must equal one of them)."
  }

  validation {
    condition     = alltrue(flatten([for a in var.access : [for k in a.write_keys : can(regex("^[a-zA-Z0-9!_.'()/-]*[a-zA-Z0-9!_.'()-]$", k))]]))
    error_message = "access[*].write_keys must be exact object keys such as source/training.zip: no wildcard and no trailing \"/\"."
  }

  validation {
    condition     = alltrue([for a in var.access : contains(["full", "s3"], a.key_use)])
    error_message = "access[*].key_use must be \"full\" (a workload role that uses the CMK directly) or \"s3\" (a person who uses it only through S3)."
  }
}

variable "access_log_bucket" {
  description = "Name of an existing bucket that receives the server access logs of the artifact bucket; null disables access logging."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket))
    error_message = "access_log_bucket must be a valid S3 bucket name or null."
  }
}

variable "bucket_name" {
  description = "Name of the artifact bucket."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "eventbridge_notifications" {
  description = "Send the bucket's object events to EventBridge (needed by an S3 source that triggers the pipeline without polling)."
  type        = bool
  default     = false
  nullable    = false
}

variable "exclusive" {
  description = "Deny what the access list does not grant: each read prefix is readable only by the principals that read it, each write prefix writable (PutObject, DeleteObject, DeleteObjectVersion) only by its writers, and no one else writes anywhere, whatever their identity policies allow (an account administrator's included). For buckets whose objects decide what runs, such as C's model store. A Terraform run with force_destroy cannot empty such a bucket."
  type        = bool
  default     = false
  nullable    = false
}

variable "force_destroy" {
  description = "Allow Terraform to delete the bucket while it still holds objects. Keep false for real accounts."
  type        = bool
  default     = false
  nullable    = false
}

variable "key_administrators" {
  description = "ARNs of the IAM principals that administer the CMK (see modules/kms-key). Never the pipeline role."
  type        = list(string)
  nullable    = false
}

variable "key_alias" {
  description = "Alias of the CMK, including the alias/ prefix."
  type        = string
  nullable    = false
}

variable "key_services" {
  description = "AWS services that use the CMK on this account's behalf (see modules/kms-key, variable services)."
  type = list(object({
    principal = string
    actions   = list(string)
    conditions = list(object({
      test     = string
      variable = string
      values   = list(string)
    }))
  }))
  default  = []
  nullable = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "tags" {
  description = "Tags for the key and the bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
