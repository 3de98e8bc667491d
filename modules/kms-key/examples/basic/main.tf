# A CMK for account B's log groups: administered by the platform role, used by CloudWatch Logs of this account.
module "log_key" {
  source = "../.."

  administrators  = ["arn:aws:iam::222222222222:role/platform-admin"]
  alias           = "alias/mlops-training-logs"
  description     = "Encrypts the training state machine's logs"
  cloudwatch_logs = { account_id = "222222222222", region = "eu-west-1" }
  tags            = { project = "mlops" }
}
