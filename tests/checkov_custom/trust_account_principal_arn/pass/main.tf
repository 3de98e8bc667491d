# CKV_MLOPS_2 / CKV_MLOPS_5 pass cases.
data "aws_iam_policy_document" "account_with_principal_arn" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::111111111111:role/mlops-pipeline"]
    }
  }
}

# An identity policy (no principal) that merely mentions sts:AssumeRole is not a trust policy.
data "aws_iam_policy_document" "identity_policy" {
  statement {
    actions   = ["sts:AssumeRole"]
    resources = ["arn:aws:iam::222222222222:role/mlops-training-action"]
  }
}

resource "aws_iam_role" "doc_ref" {
  name               = "doc-ref"
  assume_role_policy = data.aws_iam_policy_document.account_with_principal_arn.json
}

resource "aws_iam_role" "exact_role_arn" {
  name = "exact-role-arn"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::111111111111:role/mlops-pipeline" } }]
  })
}

resource "aws_iam_role" "bare_account_with_arnlike" {
  name = "bare-account-with-arnlike"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Principal = { AWS = ["333333333333"] }
      Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::333333333333:role/mlops-deployer" } }
    }]
  })
}

resource "aws_iam_role" "service_only" {
  name = "service-only"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = "333333333333" } }
    }]
  })
}
