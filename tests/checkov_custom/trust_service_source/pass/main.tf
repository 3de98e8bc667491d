# CKV_MLOPS_3 / CKV_MLOPS_6 pass cases.
data "aws_iam_policy_document" "sagemaker" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["222222222222"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:sagemaker:eu-west-1:222222222222:training-job/mlops-train*"]
    }
  }
}

resource "aws_iam_role" "states_source_arn" {
  name = "states-source-arn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "sts:AssumeRole", Principal = { Service = "states.amazonaws.com" }
      Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:states:eu-west-1:222222222222:stateMachine:mlops-training" } }
    }]
  })
}

resource "aws_iam_role" "lambda_source_account" {
  name = "lambda-source-account"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "sts:AssumeRole", Principal = { Service = ["lambda.amazonaws.com"] }
      Condition = { StringEquals = { "aws:SourceAccount" = "333333333333" } }
    }]
  })
}

resource "aws_iam_role" "account_only" {
  name = "account-only"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::111111111111:role/mlops-pipeline" } }]
  })
}
