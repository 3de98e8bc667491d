# CKV_MLOPS_2 / CKV_MLOPS_5 fail cases: account principals without aws:PrincipalArn.
data "aws_iam_policy_document" "account_root_no_condition" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
}

data "aws_iam_policy_document" "external_id_only" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["222222222222"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["x"]
    }
  }
}

resource "aws_iam_role" "root_no_condition" {
  name = "root-no-condition"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::111111111111:root" } }]
  })
}

resource "aws_iam_role" "negated_principal_arn" {
  name = "negated-principal-arn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "sts:AssumeRole", Principal = { AWS = ["333333333333"] }
      Condition = { ArnNotEquals = { "aws:PrincipalArn" = "arn:aws:iam::333333333333:role/bad" } }
    }]
  })
}

resource "aws_iam_role" "star_principal" {
  name = "star-principal"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "*" } }]
  })
}
