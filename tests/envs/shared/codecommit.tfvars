prefix             = "mlops"
region             = "eu-west-1"
accounts           = { shared = "111111111111", training = "222222222222", production = "333333333333" }
key_administrators = ["arn:aws:iam::111111111111:role/platform-admin"]
pipeline_source    = { type = "codecommit", repository_name = "mlops-training" }
approval           = { emails = ["ml-approvers@example.com"] }
