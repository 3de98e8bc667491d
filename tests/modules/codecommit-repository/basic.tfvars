name                   = "mlops-training"
default_branch         = "main"
pull_request_approvals = 2
tags                   = { team = "ml-platform" }
