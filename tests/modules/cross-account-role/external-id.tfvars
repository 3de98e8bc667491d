name                 = "mlops-audit"
trusted_role_arns    = ["arn:aws:iam::222222222222:role/auditor", "arn:aws:iam::333333333333:role/auditor"]
external_id          = "mlops-audit-2026"
max_session_duration = 7200
permissions_boundary = "arn:aws:iam::111111111111:policy/boundary"
