variable "administrators" {
  description = "IAM principals of the key's account that administer the key (manage policy, rotation, deletion; never encrypt or decrypt): exact role or user ARNs, or IAM Identity Center role patterns (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/[<region>/]AWSReservedSSO_<PermissionSet>_*), whose name suffix changes when the permission set is re-provisioned. Granted through the account principal with an aws:PrincipalArn condition, so a re-created role keeps its rights; each also needs an IAM policy allowing the kms actions (AdministratorAccess does). Never the pipeline or a workload role."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.administrators) > 0
    error_message = "administrators must name at least one IAM principal: a key without administrators cannot be managed or recovered."
  }

  validation {
    condition = alltrue([for a in var.administrators :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", a)) ||
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))
    ])
    error_message = "administrators must be IAM role or user ARNs (arn:aws:iam::<12-digit account>:role/<name>) without wildcards, or an IAM Identity Center role pattern ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*): a wildcard anywhere else would let other roles administer the key."
  }
}

variable "alias" {
  description = "Alias of the key, including the alias/ prefix (for example alias/mlops-artifacts)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^alias/[a-zA-Z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "alias/aws/")
    error_message = "alias must look like alias/<name> (letters, digits, /, _ and -) and must not use the reserved alias/aws/ prefix."
  }
}

variable "cloudwatch_logs" {
  description = "Let CloudWatch Logs use the key for the log groups of this account and region (account_id, region); null for none."
  type = object({
    account_id = string
    region     = string
  })
  default = null

  validation {
    condition     = var.cloudwatch_logs == null || can(regex("^[0-9]{12}$", var.cloudwatch_logs.account_id))
    error_message = "cloudwatch_logs.account_id must be a 12-digit AWS account ID."
  }
}

variable "deletion_window_days" {
  description = "Waiting period, in days, before a scheduled deletion of the key takes effect (7-30)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.deletion_window_days >= 7 && var.deletion_window_days <= 30 && floor(var.deletion_window_days) == var.deletion_window_days
    error_message = "deletion_window_days must be a whole number of days between 7 and 30."
  }
}

variable "description" {
  description = "Description of the key."
  type        = string
  nullable    = false
}

variable "services" {
  description = "AWS services that use the key on behalf of this account (for example CloudWatch Logs): the service principal, the actions, and the conditions that bind each use to this account's resources (test, variable, values)."
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

  validation {
    condition     = alltrue([for s in var.services : endswith(s.principal, ".amazonaws.com") && length(s.conditions) > 0])
    error_message = "Each entry of services needs a service principal ending in .amazonaws.com and at least one condition that binds it to this account's resources."
  }
}

variable "service_users" {
  description = "People who use the key only through one AWS service on their behalf: name (the statement id, letters and digits), principal_arns (exact role ARNs or IAM Identity Center role patterns, in any account), actions (kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey) and via_service (for example s3.eu-west-1.amazonaws.com), which becomes a kms:ViaService condition."
  type = list(object({
    name           = string
    principal_arns = list(string)
    actions        = list(string)
    via_service    = string
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for u in var.service_users : can(regex("^[A-Za-z0-9]{1,40}$", u.name))]) && length(distinct([for u in var.service_users : u.name])) == length(var.service_users)
    error_message = "service_users[*].name must be unique, 1-40 letters and digits (it names the key policy statement)."
  }

  validation {
    condition = alltrue(flatten([for u in var.service_users : [for a in u.principal_arns :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) ||
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))
    ]]))
    error_message = "service_users[*].principal_arns must be exact IAM role ARNs or IAM Identity Center role patterns ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }

  validation {
    condition     = alltrue([for u in var.service_users : length(u.actions) > 0 && length(setsubtract(u.actions, ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"])) == 0])
    error_message = "service_users[*].actions must be a non-empty subset of kms:Decrypt, kms:DescribeKey, kms:Encrypt and kms:GenerateDataKey: people never administer the key or create grants."
  }

  validation {
    condition     = alltrue([for u in var.service_users : can(regex("^[a-z0-9-]+\\.[a-z0-9-]+\\.amazonaws\\.com$", u.via_service))])
    error_message = "service_users[*].via_service must be a regional service endpoint name such as s3.eu-west-1.amazonaws.com (the kms:ViaService value)."
  }
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "users" {
  description = "ARNs of the IAM roles, in any account, that may use the key for encryption and decryption. Each is granted through its account principal plus an aws:PrincipalArn condition on the exact ARN, so the role need not exist yet when the key is created (KMS rejects unknown principals). Grants are allowed only for AWS resources."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for u in var.users : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z0-9+=,.@_/-]+$", u))])
    error_message = "users must be exact IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>), without wildcards."
  }
}
