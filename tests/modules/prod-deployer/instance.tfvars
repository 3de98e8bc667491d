account_id = "333333333333"
# modules/prod-deployer, instance endpoint with blue/green canary updates, auto-rollback alarms and data capture.
artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
callback_role_arn    = "arn:aws:iam::111111111111:role/mlops-pipeline-callback"
endpoint = {
  type = "instance"
  instance = {
    instance_type        = "ml.m5.large"
    instance_count       = 2
    canary_size_percent  = 25
    canary_wait_seconds  = 600
    rollback_alarm_names = ["mlops-endpoint-5xx", "mlops-endpoint-latency"]
    data_capture_s3_uri  = "s3://mlops-capture-333333333333-eu-west-1/endpoint/"
  }
}
endpoint_name                  = "mlops-endpoint"
function_name                  = "mlops-deployer"
keep_versions                  = 5
log_kms_key_arn                = "arn:aws:kms:eu-west-1:333333333333:key/5678abcd-12ab-34cd-56ef-1234567890ab"
log_retention_days             = 400
memory_mb                      = 512
model_package_group_name       = "mlops-models"
model_prefix                   = "models/"
model_role_name                = "mlops-model-execution"
model_store_bucket_name        = "mlops-models-333333333333-eu-west-1"
model_store_key_administrators = ["arn:aws:iam::333333333333:role/platform-admin"]
name_prefix                    = "mlops-model"
package_file                   = "../../build/deployer.zip"
pipeline_name                  = "mlops-pipeline"
reserved_concurrency           = 1
role_name                      = "mlops-deployer"
runtime                        = "python3.13"
tags = {
  project = "mlops"
}
timeout_seconds     = 90
training_job_prefix = "mlops-train"
xgboost_image_tag   = "1.7-1"
