prefix   = "mlops"
region   = "eu-west-1"
accounts = { shared = "111111111111", training = "222222222222", production = "333333333333" }
