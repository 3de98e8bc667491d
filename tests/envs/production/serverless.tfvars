key_administrators = ["arn:aws:iam::333333333333:role/platform-admin"]
