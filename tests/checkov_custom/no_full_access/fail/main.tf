# CKV_MLOPS_1 fail cases: every way of attaching an AWS-managed *FullAccess policy.
resource "aws_iam_role" "managed_list" {
  name                = "managed-list"
  assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]
}

resource "aws_iam_role_policy_attachment" "s3_full" {
  role       = "managed-list"
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}

resource "aws_iam_policy_attachment" "codepipeline_full" {
  name       = "cp"
  roles      = ["managed-list"]
  policy_arn = "arn:aws:iam::aws:policy/AWSCodePipeline_FullAccess"
}

resource "aws_iam_user_policy_attachment" "user" {
  user       = "someone"
  policy_arn = "arn:aws:iam::aws:policy/AmazonEC2FullAccess"
}

resource "aws_iam_group_policy_attachment" "group" {
  group      = "people"
  policy_arn = "arn:aws:iam::aws:policy/AWSLambda_FullAccess"
}
