bucket_name        = "mlops-artifacts-111111111111-eu-west-1"
key_alias          = "alias/mlops-artifacts"
key_administrators = ["arn:aws:iam::111111111111:role/platform-admin"]
