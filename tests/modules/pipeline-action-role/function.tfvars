artifact_bucket_arn  = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
artifact_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-1111-2222-3333-444444444444"
pipeline_role_arn    = "arn:aws:iam::111111111111:role/mlops-pipeline"
policy_name          = "invoke-deployer"
grant = {
  principal_arn = "arn:aws:iam::333333333333:role/mlops-deploy-action"
  read_prefixes = ["mlops-pipeline/TrainingOu*"]
}
action = {
  function_arn = "arn:aws:lambda:eu-west-1:333333333333:function:mlops-deployer"
}
