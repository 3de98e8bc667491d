# The people of account A and their policies, for a pipeline with a CodeCommit source.
module "personas" {
  source = "../.."

  account_id           = "111111111111"
  region               = "eu-west-1"
  name_prefix          = "mlops"
  artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
  artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  data_prefix          = "data/"
  pipeline = {
    name                = "mlops-pipeline"
    arn                 = "arn:aws:codepipeline:eu-west-1:111111111111:mlops-pipeline"
    approval_action_arn = "arn:aws:codepipeline:eu-west-1:111111111111:mlops-pipeline/Approve/Approve"
    source_type         = "codecommit"
    repository_arn      = "arn:aws:codecommit:eu-west-1:111111111111:mlops-training"
  }
  data_writers   = ["arn:aws:iam::111111111111:role/ml-data-writer"]
  source_writers = ["arn:aws:iam::111111111111:role/ml-engineer"]
  approvers      = ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_MLApprover_*"]
  observers      = ["arn:aws:iam::111111111111:role/ml-observer"]
  tags           = { project = "mlops" }
}
