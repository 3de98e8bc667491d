key_administrators = ["arn:aws:iam::222222222222:role/platform-admin"]
training = {
  instance_type       = "ml.m5.xlarge"
  max_runtime_seconds = 3600
  spot                = { enabled = true, max_wait_seconds = 7200 }
}
