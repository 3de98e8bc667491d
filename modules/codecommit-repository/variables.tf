variable "default_branch" {
  description = "The branch the pipeline builds from (the repository's default branch; pull requests into it need approvals)."
  type        = string
  default     = "main"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$", var.default_branch)) && !strcontains(var.default_branch, "..") && !endswith(var.default_branch, "/") && !endswith(var.default_branch, ".lock")
    error_message = "default_branch must be a Git branch name such as \"main\" (letters, digits, . _ - /, no \"..\", not ending in / or .lock)."
  }
}

variable "description" {
  description = "Description of the repository."
  type        = string
  default     = "Training source of the ML pipeline (training configuration and code)."
  nullable    = false

  validation {
    condition     = length(var.description) <= 1000
    error_message = "description must be at most 1000 characters (CodeCommit's limit)."
  }
}

variable "name" {
  description = "Name of the repository (the pipeline's source action refers to it by this name)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.name)) && !endswith(var.name, ".git")
    error_message = "name must be 1-100 letters, digits, . _ and -, not ending in .git (CodeCommit repository names)."
  }
}

variable "pull_request_approvals" {
  description = "Approvals a pull request into default_branch needs (0 creates no approval rule template)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.pull_request_approvals >= 0 && var.pull_request_approvals <= 25 && floor(var.pull_request_approvals) == var.pull_request_approvals
    error_message = "pull_request_approvals must be a whole number from 0 to 25 (0 creates no approval rule)."
  }
}

variable "tags" {
  description = "Tags for the repository."
  type        = map(string)
  default     = {}
  nullable    = false
}
