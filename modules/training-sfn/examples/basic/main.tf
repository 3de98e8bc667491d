# Account B's training state machine, with managed spot training. In envs/training the names and the shared
# bucket come from the contract module, the shared key's ARN from account A's remote state.
module "training" {
  source = "../.."

  account_id           = "222222222222"
  artifact_bucket_name = "mlops-artifacts-111111111111-eu-west-1"
  artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
  log_kms_key_arn      = "arn:aws:kms:eu-west-1:222222222222:key/66666666-7777-8888-9999-000000000000"
  sagemaker_role_name  = "mlops-training-sagemaker"
  sfn_role_name        = "mlops-training-sfn"
  state_machine_name   = "mlops-training"
  training_job_prefix  = "mlops-train"
  spot                 = { enabled = true, max_wait_seconds = 7200 }
  tags                 = { project = "mlops" }
}
