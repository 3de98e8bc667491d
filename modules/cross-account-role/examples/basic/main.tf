# Account A's callback role: C's deployer assumes it to answer the pipeline's job.
data "aws_iam_policy_document" "callback" {
  statement {
    sid       = "ReportDeployment"
    actions   = ["codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult"]
    resources = ["*"] # these two actions support no resource-level permissions
  }
}

module "callback_role" {
  source = "../.."

  name              = "mlops-pipeline-callback"
  trusted_role_arns = ["arn:aws:iam::333333333333:role/mlops-deployer"]
  policies          = { report-deployment = data.aws_iam_policy_document.callback.json }
  tags              = { project = "mlops" }
}
