name                   = "mlops-training"
pull_request_approvals = 0
