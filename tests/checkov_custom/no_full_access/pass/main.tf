# CKV_MLOPS_1 pass cases: customer-managed and narrow AWS-managed policies.
resource "aws_iam_role" "narrow" {
  name                = "narrow"
  assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
}

resource "aws_iam_role_policy_attachment" "read_only" {
  role       = "narrow"
  policy_arn = "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"
}

resource "aws_iam_role_policy_attachment" "customer_managed" {
  role       = "narrow"
  policy_arn = "arn:aws:iam::111111111111:policy/MyFullAccessLookalike"
}

resource "aws_iam_policy_attachment" "service_role" {
  name       = "lambda-basic"
  roles      = ["narrow"]
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
