variable "account_id" {
  description = "ID of account A, where the pipeline, the bucket and the key live and where this module creates the persona policies."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID (for example \"111111111111\")."
  }
}

variable "approvers" {
  description = "Roles of the people who approve a release: they answer the pipeline's Approve action (codepipeline:PutApprovalResult on that action only) and read the pipeline's state and executions. Never push, upload or deploy."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.approvers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))])
    error_message = "approvers must be IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>) without wildcards, or IAM Identity Center role patterns ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }

  validation {
    condition     = alltrue([for a in var.approvers : try(split(":", a)[4] == var.account_id, false)])
    error_message = "approvers must be roles in account A (account_id): CodePipeline has no resource-based policy, so only an identity policy in account A can grant the approval."
  }
}

variable "artifact_bucket_arn" {
  description = "ARN of the artifact bucket (arn:aws:s3:::<name>)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_arn))
    error_message = "artifact_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1."
  }
}

variable "artifact_kms_key_arn" {
  description = "Key ARN of the artifact CMK; persona key use is limited to S3 (kms:ViaService)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.artifact_kms_key_arn))
    error_message = "artifact_kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<key-id> (not an alias)."
  }
}

variable "data_writers" {
  description = "Roles of the people who upload training data: PutObject and listing under data_prefix, with a plain upload (no encryption flags; the bucket default applies the CMK, used through S3 only). They cannot read models or change policies. Roles in other accounts are granted by the bucket and key policies; their own account must attach the document of policy_documents[\"data-writer\"]."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.data_writers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))])
    error_message = "data_writers must be IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>) without wildcards, or IAM Identity Center role patterns ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }
}

variable "data_prefix" {
  description = "Key prefix of the training data in the artifact bucket (contract: data/)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+/$", var.data_prefix))
    error_message = "data_prefix must be a key prefix ending in \"/\", such as \"data/\"."
  }
}

variable "name_prefix" {
  description = "Prefix of the policy names (<name_prefix>-data-writer, -source-writer, -approver, -observer)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,100}$", var.name_prefix))
    error_message = "name_prefix must be 1-100 characters allowed in IAM policy names (letters, digits and +=,.@_-)."
  }
}

variable "observers" {
  description = "Roles of the people who watch the pipeline: read its state, executions and action executions. No data, no models, no approval."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.observers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))])
    error_message = "observers must be IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>) without wildcards, or IAM Identity Center role patterns ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }

  validation {
    condition     = alltrue([for a in var.observers : try(split(":", a)[4] == var.account_id, false)])
    error_message = "observers must be roles in account A (account_id): CodePipeline has no resource-based policy, so only an identity policy in account A can grant reading it."
  }
}

variable "pipeline" {
  description = "The pipeline the personas work with: name, arn, approval_action_arn (<pipeline ARN>/<stage>/<action>), source_type (codecommit, s3 or codeconnections), repository_arn (codecommit) and source_object_arn (s3)."
  type = object({
    name                = string
    arn                 = string
    approval_action_arn = string
    source_type         = string
    repository_arn      = optional(string)
    source_object_arn   = optional(string)
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:codepipeline:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9.@_-]+$", var.pipeline.arn)) && startswith(var.pipeline.approval_action_arn, "${var.pipeline.arn}/") && length(split("/", var.pipeline.approval_action_arn)) == 3
    error_message = "pipeline.arn must be a pipeline ARN and pipeline.approval_action_arn <pipeline.arn>/<stage>/<action>."
  }

  validation {
    condition = (var.pipeline.source_type == "codeconnections" ||
      (var.pipeline.source_type == "codecommit" && can(regex("^arn:aws[a-z-]*:codecommit:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9._-]+$", coalesce(var.pipeline.repository_arn, "-")))) ||
    (var.pipeline.source_type == "s3" && can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+/.+[^/]$", coalesce(var.pipeline.source_object_arn, "-")))))
    error_message = "pipeline.source_type must be codecommit (with repository_arn), s3 (with source_object_arn, the source object's ARN) or codeconnections."
  }
}

variable "region" {
  description = "Region of the bucket: the kms:ViaService value is s3.<region>.amazonaws.com."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "source_writers" {
  description = "Roles of the people who change what is trained: put the S3 source object (s3 source; roles in other accounts are granted by the bucket and key policies) or push to the CodeCommit repository (codecommit source; roles in account A only). Not used with codeconnections, whose pushes the external provider authorizes. They cannot approve, or touch data or models."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.source_writers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/aws-reserved/sso\\.amazonaws\\.com/([a-z0-9-]+/)?AWSReservedSSO_[A-Za-z0-9+=,.@_-]+_\\*$", a))])
    error_message = "source_writers must be IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>) without wildcards, or IAM Identity Center role patterns ending in _* (arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<PermissionSet>_*)."
  }

  validation {
    condition     = var.pipeline.source_type != "codeconnections" || length(var.source_writers) == 0
    error_message = "source_writers must be empty with a codeconnections source: pushes to that repository are authorized by its provider (GitHub, GitLab, Bitbucket), not by AWS."
  }

  validation {
    condition     = var.pipeline.source_type != "codecommit" || alltrue([for a in var.source_writers : try(split(":", a)[4] == var.account_id, false)])
    error_message = "source_writers must be roles in account A (account_id) with a codecommit source: CodeCommit has no resource-based policy, so only an identity policy in account A can grant a push."
  }
}

variable "tags" {
  description = "Tags for the persona policies."
  type        = map(string)
  default     = {}
  nullable    = false
}
