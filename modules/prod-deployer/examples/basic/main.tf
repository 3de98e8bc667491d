# Account C's deployer, its model store and model package group, with a serverless endpoint (the default type). Build the package first: `make package`
# writes build/deployer.zip at the top of this repository.
module "deployer" {
  source = "../.."

  account_id           = "333333333333"
  function_name        = "mlops-deployer"
  role_name            = "mlops-deployer"
  model_role_name      = "mlops-model-execution"
  name_prefix          = "mlops-model"
  endpoint_name        = "mlops-endpoint"
  package_file         = "${path.root}/../../../../build/deployer.zip"
  artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
  model_prefix         = "models/"
  artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  callback_role_arn    = "arn:aws:iam::111111111111:role/mlops-pipeline-callback"
  log_kms_key_arn      = "arn:aws:kms:eu-west-1:333333333333:key/5678abcd-12ab-34cd-56ef-1234567890ab"
  pipeline_name        = "mlops-pipeline"
  training_job_prefix  = "mlops-train"
  xgboost_image_tag    = "1.7-1"

  # C's model store and model registry group (contract names).
  model_store_bucket_name        = "mlops-models-333333333333-eu-west-1"
  model_store_key_administrators = ["arn:aws:iam::333333333333:role/platform-admin"]
  model_package_group_name       = "mlops-models"
  endpoint = {
    type       = "serverless"
    serverless = { memory_mb = 2048, max_concurrency = 5 }
  }
  tags = { project = "mlops" }
}
