# CKV_MLOPS_3 / CKV_MLOPS_6 fail cases: service principals without aws:SourceAccount / aws:SourceArn.
data "aws_iam_policy_document" "sagemaker_bare" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda_bare" {
  name = "lambda-bare"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role" "states_unrelated_condition" {
  name = "states-unrelated-condition"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "sts:AssumeRole", Principal = { Service = "states.amazonaws.com" }
      Condition = { StringEquals = { "aws:RequestedRegion" = "eu-west-1" } }
    }]
  })
}

resource "aws_iam_role" "second_statement_bare" {
  name = "second-statement-bare"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow", Action = "sts:AssumeRole", Principal = { Service = "sagemaker.amazonaws.com" }
        Condition = { StringEquals = { "aws:SourceAccount" = "222222222222" } }
      },
      { Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "events.amazonaws.com" } },
    ]
  })
}
