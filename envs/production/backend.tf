# State of account C; configure at init time: terraform init -backend-config=backend.hcl (see backend.hcl.example).
terraform {
  backend "s3" {}
}
