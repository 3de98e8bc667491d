variable "account_id" {
  description = "ID of the account the module deploys into (account B). Taken as a variable rather than from aws_caller_identity so that the plan needs no STS call: it builds the state machine, training job and managed-rule ARNs of the policies."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID (for example \"222222222222\")."
  }
}

variable "allowed_hyperparameters" {
  description = "Hyperparameter names a training configuration may set. The state machine refuses, before any training job starts, a configuration with any other name, and always one starting with _ or sagemaker_ (names SageMaker and its framework containers reserve: _kfold, sagemaker_program, ...). Default: the hyperparameters of the built-in XGBoost algorithm as the SageMaker developer guide lists them (\"XGBoost hyperparameters\", https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters.html)."
  type        = list(string)
  default = [
    "alpha",
    "base_score",
    "booster",
    "colsample_bylevel",
    "colsample_bynode",
    "colsample_bytree",
    "csv_weights",
    "deterministic_histogram",
    "early_stopping_rounds",
    "eta",
    "eval_metric",
    "gamma",
    "grow_policy",
    "interaction_constraints",
    "lambda",
    "lambda_bias",
    "max_bin",
    "max_delta_step",
    "max_depth",
    "max_leaves",
    "min_child_weight",
    "monotone_constraints",
    "normalize_type",
    "nthread",
    "num_class",
    "num_round",
    "objective",
    "one_drop",
    "process_type",
    "rate_drop",
    "refresh_leaf",
    "sample_type",
    "scale_pos_weight",
    "seed",
    "single_precision_histogram",
    "sketch_eps",
    "skip_drop",
    "subsample",
    "tree_method",
    "tweedie_variance_power",
    "updater",
    "use_dask_gpu_training",
    "verbosity",
  ]
  nullable = false

  validation {
    condition     = alltrue([for name in var.allowed_hyperparameters : !startswith(name, "_") && !startswith(name, "sagemaker_")])
    error_message = "allowed_hyperparameters must not hold a name starting with \"_\" or \"sagemaker_\": SageMaker and its containers reserve them."
  }

  validation {
    condition     = length(var.allowed_hyperparameters) > 0 && alltrue([for name in var.allowed_hyperparameters : can(regex("^[a-z][a-z0-9_]{0,255}$", name))])
    error_message = "allowed_hyperparameters must hold at least one name, each 1-256 lower-case letters, digits and underscores starting with a letter (the state machine reads them as JSONPath names)."
  }
}

variable "artifact_bucket_name" {
  description = "Name of the shared artifact bucket (account A) that holds the training data, receives the model and the spot checkpoints."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket_name)) && !strcontains(var.artifact_bucket_name, "..")
    error_message = "artifact_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "artifact_kms_key_arn" {
  description = "ARN of the shared CMK (account A) that encrypts the artifact bucket: the training output (OutputDataConfig.KmsKeyId) and the training volumes (VolumeKmsKeyId) use it, so that account C can read the model. A key ARN, not an alias: grants and IAM policies need the key ARN."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.artifact_kms_key_arn))
    error_message = "artifact_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias or a key ID."
  }
}

variable "checkpoint_prefix" {
  description = "Key prefix of the artifact bucket under which managed spot training writes its checkpoints (one sub-prefix per training job)."
  type        = string
  default     = "checkpoints/"
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.checkpoint_prefix))
    error_message = "checkpoint_prefix must be a relative S3 key prefix ending with \"/\" (for example \"checkpoints/\"), without a leading slash."
  }
}

variable "data_prefix" {
  description = "Key prefix of the artifact bucket holding the training data: the train channel reads <data_prefix>train/, the validation channel <data_prefix>validation/ (text/csv, label first, no header)."
  type        = string
  default     = "data/"
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.data_prefix))
    error_message = "data_prefix must be a relative S3 key prefix ending with \"/\" (for example \"data/\"), without a leading slash."
  }
}

variable "instance_count" {
  description = "Number of training instances (ResourceConfig.InstanceCount)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 100 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number between 1 and 100."
  }
}

variable "instance_type" {
  description = "SageMaker training instance type (ResourceConfig.InstanceType). Types with local NVMe instance storage (for example ml.m5d.*, ml.g4dn.*) do not accept a VolumeKmsKeyId; use EBS-backed types."
  type        = string
  default     = "ml.m5.large"
  nullable    = false

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a SageMaker instance type starting with \"ml.\" (for example \"ml.m5.large\")."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of the CMK (in this account) that encrypts the state machine's log group; its key policy must let CloudWatch Logs use it for this log group."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias or a key ID."
  }
}

variable "log_level" {
  description = "Step Functions logging level: ALL (every state transition) or ERROR / FATAL. Execution data (inputs, outputs) is never logged whatever the level."
  type        = string
  default     = "ALL"
  nullable    = false

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be ALL, ERROR or FATAL (OFF is not allowed: the execution history must be logged)."
  }
}

variable "log_retention_days" {
  description = "Retention of the state machine's log group, in days (a value CloudWatch Logs accepts; at least 365)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention of at least one year: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "max_runtime_seconds" {
  description = "Maximum training time (StoppingCondition.MaxRuntimeInSeconds); SageMaker stops the job after it."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_runtime_seconds >= 60 && var.max_runtime_seconds <= 2419200 && floor(var.max_runtime_seconds) == var.max_runtime_seconds
    error_message = "max_runtime_seconds must be a whole number of seconds between 60 and 2419200 (28 days)."
  }
}

variable "model_prefix" {
  description = "Key prefix of the artifact bucket under which the training jobs write their models (OutputDataConfig.S3OutputPath = s3://<bucket>/<model_prefix>)."
  type        = string
  default     = "models/"
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.model_prefix))
    error_message = "model_prefix must be a relative S3 key prefix ending with \"/\" (for example \"models/\"), without a leading slash."
  }
}

variable "quality_gate" {
  description = "The platform's quality gate: the metric every model is gated on (validation:<metric> as SageMaker reports it; the training configuration must gate on the same one) and its floor, the least the metric must reach in its direction (at least the floor when higher is better, at most when lower is better). A configuration's threshold may be stricter than the floor, never looser: the state machine applies the stricter of the two."
  type = object({
    metric = optional(string, "validation:auc")
    floor  = optional(number, 0.7)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(keys(local.gate_metrics), var.quality_gate.metric)
    error_message = "quality_gate.metric must be one of the metrics the state machine can gate on: validation:auc, validation:aucpr, validation:map, validation:ndcg, validation:rmse, validation:rmsle, validation:mae, validation:mape, validation:mphe, validation:logloss, validation:error, validation:merror, validation:mlogloss, validation:poisson-nloglik, validation:gamma-nloglik, validation:cox-nloglik, validation:gamma-deviance, validation:tweedie-nloglik."
  }

  validation {
    condition     = var.quality_gate.floor != null && abs(var.quality_gate.floor) <= 1000000000000000
    error_message = "quality_gate.floor must be a finite number (at most 10^15 in magnitude), the least value of quality_gate.metric a model must reach."
  }
}

variable "sagemaker_role_name" {
  description = "Name of the SageMaker training execution role the module creates (contract name, for example mlops-training-sagemaker)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.sagemaker_role_name))
    error_message = "sagemaker_role_name must be a valid IAM role name: 1-64 letters, digits and +=,.@_- characters."
  }
}

variable "sfn_role_name" {
  description = "Name of the Step Functions execution role the module creates (contract name, for example mlops-training-sfn)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.sfn_role_name))
    error_message = "sfn_role_name must be a valid IAM role name: 1-64 letters, digits and +=,.@_- characters."
  }
}

variable "spot" {
  description = "Managed spot training: enabled (default false) and max_wait_seconds (StoppingCondition.MaxWaitTimeInSeconds, the runtime plus the time spent waiting for spot capacity; default twice max_runtime_seconds). With spot on, the job checkpoints to s3://<bucket>/<checkpoint_prefix><job name>/."
  type = object({
    enabled          = optional(bool, false)
    max_wait_seconds = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.spot.max_wait_seconds == null || try(var.spot.max_wait_seconds >= var.max_runtime_seconds && var.spot.max_wait_seconds <= 2419200 && floor(var.spot.max_wait_seconds) == var.spot.max_wait_seconds, false)
    error_message = "spot.max_wait_seconds must be a whole number of seconds, at least max_runtime_seconds (SageMaker requires MaxWaitTimeInSeconds >= MaxRuntimeInSeconds) and at most 2419200."
  }
}

variable "state_machine_name" {
  description = "Name of the state machine (contract name, for example mlops-training)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.state_machine_name))
    error_message = "state_machine_name must be 1-80 letters, digits, hyphens and underscores."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource, including the training jobs the state machine starts."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.tags) <= 45 && alltrue([for k, v in var.tags : !startswith(lower(k), "aws:") && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,128}$", k)) && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{0,256}$", v))])
    error_message = "tags must hold at most 45 entries whose keys (1-128 characters) and values (0-256) use only letters, digits, spaces and _.:/=+-@, with no key starting with \"aws:\" (SageMaker's tag rules; the training job gets these tags too)."
  }
}

variable "training_job_prefix" {
  description = "Prefix of the training job names (contract name, for example mlops-train). A job is named <prefix>-<MD5 of the execution name> (32 hex characters), so the prefix may be at most 30 characters to stay within SageMaker's 63."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.training_job_prefix) <= 30 && can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.training_job_prefix))
    error_message = "training_job_prefix must be 1-30 letters, digits and hyphens, starting and ending with a letter or digit (with \"-\" and a 32-character hash it must fit SageMaker's 63-character job names)."
  }
}

variable "volume_size_gb" {
  description = "Size of the training volume attached to each instance, in GB (ResourceConfig.VolumeSizeInGB); encrypted with the shared CMK."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.volume_size_gb >= 1 && var.volume_size_gb <= 16384 && floor(var.volume_size_gb) == var.volume_size_gb
    error_message = "volume_size_gb must be a whole number of GB between 1 and 16384."
  }
}

variable "xgboost_image_tag" {
  description = "Version tag of the SageMaker built-in XGBoost image (sagemaker-xgboost repository), for example 1.7-1. Pinned: never latest."
  type        = string
  default     = "1.7-1"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+-[0-9]+(-cpu-py3)?$", var.xgboost_image_tag))
    error_message = "xgboost_image_tag must be a pinned framework version such as \"1.7-1\" (<major>.<minor>-<build>), not latest."
  }
}
