administrators  = ["arn:aws:iam::222222222222:role/platform-admin"]
alias           = "alias/mlops-training-logs"
description     = "Encrypts the training account's log groups"
cloudwatch_logs = { account_id = "222222222222", region = "eu-west-1" }
