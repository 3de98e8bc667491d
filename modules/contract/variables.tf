variable "accounts" {
  description = "AWS account IDs of the three accounts: shared (A: source, artifacts, pipeline), training (B) and production (C)."
  type = object({
    shared     = string
    training   = string
    production = string
  })
  nullable = false

  validation {
    condition     = alltrue([for id in values(var.accounts) : can(regex("^[0-9]{12}$", id))])
    error_message = "Each account ID in accounts must be exactly 12 digits (for example \"111111111111\")."
  }

  validation {
    condition     = length(distinct(values(var.accounts))) == 3
    error_message = "accounts.shared, accounts.training and accounts.production must be three different AWS accounts: the isolation between them is the point of this design."
  }
}

variable "partition" {
  description = "AWS partition of the three accounts (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
  nullable    = false

  validation {
    condition     = contains(["aws", "aws-cn", "aws-us-gov"], var.partition)
    error_message = "partition must be one of aws, aws-cn, aws-us-gov."
  }
}

variable "prefix" {
  description = "Prefix of every resource name; it is part of the cross-account contract, so all three accounts must use the same value. 3-20 characters: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-20 characters of lower-case letters, digits and hyphens, start with a letter and not end with a hyphen (it becomes part of bucket, role and SageMaker names)."
  }
}

variable "region" {
  description = "AWS region of the pipeline, the state machine and the endpoint (all three accounts use one region)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1 or us-east-1."
  }
}
