account_id           = "111111111111"
artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
data_prefix          = "data/"
name_prefix          = "mlops"
region               = "eu-west-1"
pipeline = {
  name                = "mlops-pipeline"
  arn                 = "arn:aws:codepipeline:eu-west-1:111111111111:mlops-pipeline"
  approval_action_arn = "arn:aws:codepipeline:eu-west-1:111111111111:mlops-pipeline/Approve/Approve"
  source_type         = "s3"
  source_object_arn   = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1/source/training.zip"
}
data_writers   = ["arn:aws:iam::111111111111:role/ml-data-writer", "arn:aws:iam::444444444444:role/ingestion"]
source_writers = ["arn:aws:iam::111111111111:role/ml-source-writer"]
approvers      = ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_MLApprover_*"]
observers      = ["arn:aws:iam::111111111111:role/ml-observer"]
