# State of account B; configure at init time: terraform init -backend-config=backend.hcl (see backend.hcl.example).
terraform {
  backend "s3" {}
}
