bucket_name        = "mlops-artifacts-111111111111-eu-west-1"
key_alias          = "alias/mlops-artifacts"
key_administrators = ["arn:aws:iam::111111111111:role/platform-admin"]
access = [
  { principal_arn = "arn:aws:iam::111111111111:role/mlops-pipeline", read_prefixes = ["mlops-pipeline/", "source/"], write_prefixes = ["mlops-pipeline/"], list = true },
  { principal_arn = "arn:aws:iam::222222222222:role/mlops-training-sagemaker", read_prefixes = ["data/"], write_prefixes = ["models/"] },
  { principal_arn = "arn:aws:iam::333333333333:role/mlops-model-execution", read_prefixes = ["models/"] },
  # CodePipeline's artifact folders: the artifact name's first 10 characters and a pattern (the folder name may be longer).
  { principal_arn = "arn:aws:iam::222222222222:role/mlops-training-action", read_prefixes = ["mlops-pipeline/SourceOutp*"], write_prefixes = ["mlops-pipeline/TrainingOu*"] },
  { principal_arn = "arn:aws:iam::222222222222:role/mlops-training-sfn", read_prefixes = ["models/"], list_versions_prefixes = ["data/train/", "data/validation/"] },
]
access_log_bucket         = "mlops-access-logs"
eventbridge_notifications = true
