# The only place an env of account B or C reads another account's state (envs/production/remote-state.tf is a
# link to this file, so the two cannot drift): account A's outputs (envs/shared/outputs.tf), handed to
# the modules as plain values through local.shared. Plan tests replace this file with test values.
variable "shared_state" {
  description = "Where account A's state is: the terraform_remote_state config of its S3 backend (bucket, key, region, and optionally assume_role, endpoints, use_path_style...). The identity running this env needs s3:GetObject on that key."
  type = object({
    bucket  = string
    key     = string
    region  = string
    profile = optional(string)
    assume_role = optional(object({
      role_arn    = string
      external_id = optional(string)
    }))
    # For S3-compatible endpoints (VPC endpoints, or the local rehearsal's emulator).
    endpoints                   = optional(object({ s3 = optional(string), sts = optional(string) }))
    skip_credentials_validation = optional(bool)
    skip_requesting_account_id  = optional(bool)
    use_path_style              = optional(bool)
  })
  nullable = false
}

data "terraform_remote_state" "shared" {
  backend = "s3"
  config  = { for k, v in var.shared_state : k => v if v != null }
}

locals {
  shared = data.terraform_remote_state.shared.outputs
}
