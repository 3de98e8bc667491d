# State of account A lives in an S3 bucket of the operator's choosing; configure it at init time:
#   terraform init -backend-config=backend.hcl   (see backend.hcl.example)
# Accounts B and C read this state (envs/*/remote-state.tf), so they need read access to its key.
terraform {
  backend "s3" {}
}
