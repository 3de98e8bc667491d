terraform {
  required_version = ">= 1.11, < 2.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

# Credentials are yours to choose (profiles, SSO, AWS_PROFILE=...); the tests plan this example with fake ones.
provider "aws" {
  region = "eu-west-1"
}
