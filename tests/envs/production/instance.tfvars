key_administrators = ["arn:aws:iam::333333333333:role/platform-admin"]
endpoint = {
  type = "instance"
  instance = {
    instance_type        = "ml.m5.large"
    instance_count       = 2
    canary_size_percent  = 10
    canary_wait_seconds  = 300
    rollback_alarm_names = ["mlops-endpoint-5xx", "mlops-endpoint-latency"]
  }
}
# An account whose concurrency quota leaves room for a reservation.
deployer = {
  reserved_concurrency = 2
}
