prefix             = "mlops"
region             = "eu-west-1"
accounts           = { shared = "111111111111", training = "222222222222", production = "333333333333" }
key_administrators = ["arn:aws:iam::111111111111:role/platform-admin"]
pipeline_source    = { type = "s3", s3_object_key = "source/training.zip" }
access_log_bucket  = "mlops-access-logs-111111111111"
