artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-1111-2222-3333-444444444444"
pipeline_role_arn    = "arn:aws:iam::111111111111:role/mlops-pipeline"
policy_name          = "run-training"
tags                 = { project = "mlops" }
grant = {
  principal_arn          = "arn:aws:iam::222222222222:role/mlops-training-action"
  read_prefixes          = ["mlops-pipeline/SourceOutp*"]
  write_prefixes         = ["mlops-pipeline/TrainingOu*"]
  list                   = false
  list_prefixes          = []
  list_versions_prefixes = []
  key_use                = "full"
}
action = {
  state_machine_arn = "arn:aws:states:eu-west-1:222222222222:stateMachine:mlops-training"
}
