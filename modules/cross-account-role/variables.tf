variable "external_id" {
  description = "External ID the caller must present (sts:ExternalId); null when the trusted principals are this project's own roles."
  type        = string
  default     = null

  validation {
    condition     = var.external_id == null || (can(regex("^[a-zA-Z0-9+=,.@:/-]+$", var.external_id)) && length(coalesce(var.external_id, "-")) >= 2 && length(coalesce(var.external_id, "-")) <= 1224)
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/- (or null)."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of the role, in seconds (3600-43200)."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "name" {
  description = "Name of the role."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "permissions_boundary" {
  description = "ARN of a managed policy used as the role's permissions boundary; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM managed policy ARN (arn:aws:iam::<account>:policy/<name>) or null."
  }
}

variable "policies" {
  description = "Inline policies of the role: policy name => policy document (JSON). Exact actions and resources only."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for doc in values(var.policies) : can(jsondecode(doc).Statement)])
    error_message = "Each value of policies must be an IAM policy document in JSON with a Statement."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "trusted_role_arns" {
  description = "Exact ARNs of the IAM roles that may assume this role. Each is trusted through its account principal plus an aws:PrincipalArn condition, so a trusted role in another account need not exist yet."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.trusted_role_arns) > 0
    error_message = "trusted_role_arns must name at least one role: a role nobody can assume is useless."
  }

  validation {
    condition     = alltrue([for a in var.trusted_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z0-9+=,.@_/-]+$", a))])
    error_message = "trusted_role_arns must be exact IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>); wildcards and account roots are not accepted."
  }
}
