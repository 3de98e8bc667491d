prefix             = "mlops"
region             = "eu-west-1"
accounts           = { shared = "111111111111", training = "222222222222", production = "333333333333" }
key_administrators = ["arn:aws:iam::111111111111:role/platform-admin", "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_KeyAdmin_*"]
pipeline_source    = { type = "s3", s3_object_key = "source/training.zip" }
# One persona of each kind in account A, a data writer in another account (an ingestion account) and an IAM
# Identity Center approver: README "Applying to three real accounts" describes them.
data_writers   = ["arn:aws:iam::111111111111:role/ml-data-writer", "arn:aws:iam::444444444444:role/ingestion"]
source_writers = ["arn:aws:iam::111111111111:role/ml-source-writer"]
approvers      = ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_MLApprover_*"]
observers      = ["arn:aws:iam::111111111111:role/ml-observer"]
