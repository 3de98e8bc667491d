prefix             = "mlops"
region             = "eu-west-1"
accounts           = { shared = "111111111111", training = "222222222222", production = "333333333333" }
key_administrators = ["arn:aws:iam::111111111111:role/platform-admin"]
pipeline_source = {
  type               = "codeconnections"
  connection_arn     = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  full_repository_id = "example-org/mlops-training"
}
