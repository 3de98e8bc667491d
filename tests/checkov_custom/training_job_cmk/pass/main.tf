# CKV_MLOPS_4 pass cases.
locals {
  role = "arn:aws:iam::222222222222:role/mlops-training-sfn"
  key  = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
}

resource "aws_sfn_state_machine" "static_keys" {
  name     = "static-keys"
  role_arn = local.role
  definition = jsonencode({
    StartAt = "Train"
    States = {
      Train = {
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createTrainingJob.sync"
        Parameters = {
          "TrainingJobName.$" = "$.name"
          OutputDataConfig    = { S3OutputPath = "s3://b/models/", KmsKeyId = local.key }
          ResourceConfig      = { InstanceCount = 1, InstanceType = "ml.m5.large", VolumeSizeInGB = 10, VolumeKmsKeyId = local.key }
        }
        End = true
      }
    }
  })
}

resource "aws_sfn_state_machine" "path_keys_in_parallel" {
  name     = "path-keys-in-parallel"
  role_arn = local.role
  definition = jsonencode({
    StartAt = "Fan"
    States = {
      Fan = {
        Type = "Parallel"
        End  = true
        Branches = [{
          StartAt = "Train"
          States = {
            Train = {
              Type     = "Task"
              Resource = "arn:aws:states:::sagemaker:createTrainingJob.sync"
              Parameters = {
                OutputDataConfig = { "S3OutputPath.$" = "$.out", "KmsKeyId.$" = "$.key" }
                ResourceConfig   = { InstanceCount = 1, InstanceType = "ml.m5.large", VolumeSizeInGB = 10, "VolumeKmsKeyId.$" = "$.key" }
              }
              End = true
            }
          }
        }]
      }
    }
  })
}

resource "aws_sfn_state_machine" "no_training" {
  name     = "no-training"
  role_arn = local.role
  definition = jsonencode({
    StartAt = "Wait"
    States  = { Wait = { Type = "Wait", Seconds = 1, End = true } }
  })
}
