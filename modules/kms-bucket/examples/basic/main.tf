# Account A's artifact bucket and its CMK: B's SageMaker role reads data and writes models, C's model role reads
# models, a data writer uploads data with a plain `aws s3 cp`.
module "artifacts" {
  source = "../.."

  bucket_name        = "mlops-artifacts-111111111111-eu-west-1"
  key_alias          = "alias/mlops-artifacts"
  key_administrators = ["arn:aws:iam::111111111111:role/platform-admin"]
  access = [
    { principal_arn = "arn:aws:iam::222222222222:role/mlops-training-sagemaker", read_prefixes = ["data/"], write_prefixes = ["models/"] },
    { principal_arn = "arn:aws:iam::333333333333:role/mlops-model-execution", read_prefixes = ["models/"] },
    { principal_arn = "arn:aws:iam::111111111111:role/ml-data-writer", write_prefixes = ["data/"], list = true, list_prefixes = ["data/"], key_use = "s3" },
  ]
  tags = { project = "mlops" }
}
