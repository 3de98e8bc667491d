account_id           = "222222222222"
artifact_bucket_name = "mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
checkpoint_prefix    = "checkpoints/"
data_prefix          = "data/"
instance_count       = 1
instance_type        = "ml.m5.large"
log_kms_key_arn      = "arn:aws:kms:eu-west-1:222222222222:key/66666666-7777-8888-9999-000000000000"
log_retention_days   = 365
max_runtime_seconds  = 3600
model_prefix         = "models/"
sagemaker_role_name  = "mlops-training-sagemaker"
sfn_role_name        = "mlops-training-sfn"
state_machine_name   = "mlops-training"
tags                 = { project = "mlops", account = "training" }
training_job_prefix  = "mlops-train"
volume_size_gb       = 30
xgboost_image_tag    = "1.7-1"
