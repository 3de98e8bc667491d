key_administrators = ["arn:aws:iam::222222222222:role/platform-admin"]
