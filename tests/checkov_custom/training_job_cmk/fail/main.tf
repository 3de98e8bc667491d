# CKV_MLOPS_4 fail cases.
locals {
  role = "arn:aws:iam::222222222222:role/mlops-training-sfn"
  key  = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
}

resource "aws_sfn_state_machine" "no_output_key" {
  name     = "no-output-key"
  role_arn = local.role
  definition = jsonencode({
    StartAt = "Train"
    States = {
      Train = {
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createTrainingJob.sync"
        Parameters = {
          OutputDataConfig = { S3OutputPath = "s3://b/models/" }
          ResourceConfig   = { InstanceCount = 1, InstanceType = "ml.m5.large", VolumeSizeInGB = 10, VolumeKmsKeyId = local.key }
        }
        End = true
      }
    }
  })
}

resource "aws_sfn_state_machine" "no_volume_key" {
  name     = "no-volume-key"
  role_arn = local.role
  definition = jsonencode({
    StartAt = "Train"
    States = {
      Train = {
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createTrainingJob"
        Parameters = {
          OutputDataConfig = { S3OutputPath = "s3://b/models/", KmsKeyId = local.key }
          ResourceConfig   = { InstanceCount = 1, InstanceType = "ml.m5.large", VolumeSizeInGB = 10 }
        }
        End = true
      }
    }
  })
}

resource "aws_sfn_state_machine" "second_task_in_map" {
  name     = "second-task-in-map"
  role_arn = local.role
  definition = jsonencode({
    StartAt = "Each"
    States = {
      Each = {
        Type = "Map"
        End  = true
        ItemProcessor = {
          StartAt = "Train"
          States = {
            Train = {
              Type       = "Task"
              Resource   = "arn:aws:states:::sagemaker:createTrainingJob.sync"
              Parameters = { OutputDataConfig = { S3OutputPath = "s3://b/models/", KmsKeyId = "" } }
              End        = true
            }
          }
        }
      }
    }
  })
}
