name              = "mlops-pipeline-callback"
trusted_role_arns = ["arn:aws:iam::333333333333:role/mlops-deployer"]
policies = {
  callback = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"codepipeline:PutJobSuccessResult\",\"codepipeline:PutJobFailureResult\"],\"Resource\":\"*\"}]}"
}
