account_id               = "111111111111"
artifact_bucket_arn      = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
artifact_bucket_name     = "mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn     = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
name                     = "mlops-pipeline"
pipeline_artifact_prefix = "mlops-pipeline/"
role_name                = "mlops-pipeline"

training = {
  action_role_arn   = "arn:aws:iam::222222222222:role/mlops-training-action"
  state_machine_arn = "arn:aws:states:eu-west-1:222222222222:stateMachine:mlops-training"
}

deploy = {
  action_role_arn    = "arn:aws:iam::333333333333:role/mlops-deploy-action"
  callback_role_name = "mlops-pipeline-callback"
  deployer_role_arn  = "arn:aws:iam::333333333333:role/mlops-deployer"
  function_name      = "mlops-deployer"
}

tags = {
  project = "mlops"
}

pipeline_source = {
  type          = "s3"
  s3_object_key = "source/training.zip"
}

approval = {
  emails = ["ml-approvers@example.com"]
}
