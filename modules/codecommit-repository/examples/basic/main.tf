# The repository that holds the pipeline's training source, in account A.
module "repository" {
  source = "../.."

  name                   = "mlops-training"
  default_branch         = "main"
  pull_request_approvals = 1
  tags                   = { project = "mlops" }
}
