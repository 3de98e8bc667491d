account_id = "333333333333"
# modules/prod-deployer, serverless endpoint (the default type). Build the package first:
#   .venv/bin/python scripts/package_lambda.py
artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
callback_role_arn    = "arn:aws:iam::111111111111:role/mlops-pipeline-callback"
endpoint = {
  type = "serverless"
  serverless = {
    memory_mb       = 2048
    max_concurrency = 5
  }
}
endpoint_name                  = "mlops-endpoint"
function_name                  = "mlops-deployer"
keep_versions                  = 3
log_kms_key_arn                = "arn:aws:kms:eu-west-1:333333333333:key/5678abcd-12ab-34cd-56ef-1234567890ab"
log_retention_days             = 365
memory_mb                      = 256
model_package_group_name       = "mlops-models"
model_prefix                   = "models/"
model_role_name                = "mlops-model-execution"
model_store_bucket_name        = "mlops-models-333333333333-eu-west-1"
model_store_key_administrators = ["arn:aws:iam::333333333333:role/platform-admin"]
name_prefix                    = "mlops-model"
package_file                   = "../../build/deployer.zip"
pipeline_name                  = "mlops-pipeline"
role_name                      = "mlops-deployer"
runtime                        = "python3.12"
tags = {
  project = "mlops"
  account = "production"
}
timeout_seconds     = 60
training_job_prefix = "mlops-train"
