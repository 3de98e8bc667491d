administrators = ["arn:aws:iam::222222222222:role/platform-admin"]
alias          = "alias/mlops-training-logs"
description    = "Encrypts the training account's log groups"
services = [{
  principal = "logs.eu-west-1.amazonaws.com"
  actions   = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
  conditions = [{
    test     = "ArnLike"
    variable = "kms:EncryptionContext:aws:logs:arn"
    values   = ["arn:aws:logs:eu-west-1:222222222222:log-group:*"]
  }]
}]
