data "aws_partition" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  bucket_arn = "arn:${local.partition}:s3:::${var.bucket_name}"
  region     = data.aws_region.current.id

  # Workload roles (key_use "full") use the key directly: they are exactly the bucket's workload principals.
  key_users = distinct([for a in var.access : a.principal_arn if a.key_use == "full"])
  # People (key_use "s3") use the key only through S3, and only for what their objects need: kms:Decrypt to read
  # (and to complete a multipart upload), kms:GenerateDataKey to write. S3 makes these calls as the caller, also
  # with an S3 Bucket Key. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#aws-managed-customer-managed-keys
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
  key_service_users = [
    for i, a in var.access : {
      name           = "S3Access${i}"
      principal_arns = [a.principal_arn]
      actions = sort(concat(
        length(a.read_prefixes) + length(a.write_prefixes) + length(a.write_keys) > 0 ? ["kms:Decrypt"] : [],
        length(a.write_prefixes) + length(a.write_keys) > 0 ? ["kms:GenerateDataKey"] : [],
      ))
      via_service = "s3.${local.region}.amazonaws.com"
    } if a.key_use == "s3" && length(a.read_prefixes) + length(a.write_prefixes) + length(a.write_keys) > 0
  ]

  # exclusive: who may read and who may write each prefix, from the access list alone (patterns as given).
  exclusive_readers = !var.exclusive ? {} : {
    for p in distinct(flatten([for a in var.access : a.read_prefixes])) :
    p => [for a in var.access : a.principal_arn if contains(a.read_prefixes, p)]
  }
  exclusive_writers = !var.exclusive ? {} : {
    for p in distinct(flatten([for a in var.access : a.write_prefixes])) :
    p => [for a in var.access : a.principal_arn if contains(a.write_prefixes, p)]
  }
  all_writers = distinct([for a in var.access : a.principal_arn if length(a.write_prefixes) + length(a.write_keys) > 0])

  # Listing limited to prefixes, by statement id. ListBucket: the s3:prefix of the ListObjects request must lie
  # under one of list_prefixes (StringLike;
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#condition-key-bucket-ops-1).
  # ListObjectVersions is authorized as s3:ListBucketVersions on the bucket ("you must have permission to perform
  # the s3:ListBucketVersions action", S3 API Reference, "ListObjectVersions",
  # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html), whose condition keys include
  # s3:prefix (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3",
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html). StringEquals: the
  # request's prefix must be one of list_versions_prefixes; a request without a prefix (the whole bucket) has no
  # s3:prefix and matches nothing, so AWS refuses it.
  prefix_listings = merge(
    {
      for i, a in var.access : "ListPrefixes${i}" => {
        grant    = i, action = "s3:ListBucket", test = "StringLike"
        prefixes = [for p in a.list_prefixes : "${trimsuffix(p, "*")}*"]
      } if length(a.list_prefixes) > 0
    },
    {
      for i, a in var.access : "ListVersions${i}" => {
        grant = i, action = "s3:ListBucketVersions", test = "StringEquals", prefixes = a.list_versions_prefixes
      } if length(a.list_versions_prefixes) > 0
    },
  )

  # Account principal plus aws:PrincipalArn: the role may live in an account that is applied later. ArnLike only
  # where the entry is an IAM Identity Center pattern; an exact ARN is compared with ArnEquals.
  grants = {
    for i, a in var.access : i => {
      account   = split(":", a.principal_arn)[4]
      principal = a.principal_arn
      test      = strcontains(a.principal_arn, "*") ? "ArnLike" : "ArnEquals"
    }
  }
}

data "aws_region" "current" {}

module "key" {
  source = "../kms-key"

  administrators = var.key_administrators
  alias          = var.key_alias
  description    = "Encrypts the pipeline artifacts, training data and models in ${var.bucket_name}"
  service_users  = local.key_service_users
  services       = var.key_services
  tags           = var.tags
  users          = local.key_users
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_18: server access logging needs a log bucket that the operator owns; it is enabled with var.access_log_bucket (optional by design, see README).
  # checkov:skip=CKV_AWS_144: cross-region replication is a disaster-recovery choice of the operator; the bucket holds reproducible pipeline artifacts.
  # checkov:skip=CKV2_AWS_62: event notifications are enabled only where a consumer exists (eventbridge_notifications).
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.key.key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3-access/${var.bucket_name}/"
}

resource "aws_s3_bucket_notification" "this" {
  count = var.eventbridge_notifications ? 1 : 0

  bucket      = aws_s3_bucket.this.id
  eventbridge = true
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # A PutObject with no encryption header is encrypted by the bucket default (this CMK), so it must pass; one that
  # names another algorithm or another key is refused. The Null guard is what lets an absent header through: a
  # negated operator (and its IfExists form) evaluates to true when the key is missing, which would deny it.
  statement {
    sid     = "DenyOtherEncryptionTypes"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket_arn}/*"]
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyOtherKmsKeys"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket_arn}/*"]
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = [module.key.key_arn]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = ["false"]
    }
  }

  # exclusive: an explicit Deny overrides any Allow, an administrator's identity policy included ("Policy evaluation
  # logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), so only the
  # principals the access list names read a prefix, and only its writers write or delete there (or anywhere).
  # aws:PrincipalArn of a role session is the role's ARN ("AWS global condition context keys",
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
  dynamic "statement" {
    for_each = local.exclusive_readers
    content {
      sid     = "DenyReadOfPrefix${index(keys(local.exclusive_readers), statement.key)}ToOthers"
      effect  = "Deny"
      actions = ["s3:GetObject", "s3:GetObjectVersion"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
      resources = ["${local.bucket_arn}/${trimsuffix(statement.key, "*")}*"]
      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = local.exclusive_writers
    content {
      sid     = "DenyWriteOfPrefix${index(keys(local.exclusive_writers), statement.key)}ToOthers"
      effect  = "Deny"
      actions = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
      resources = ["${local.bucket_arn}/${trimsuffix(statement.key, "*")}*"]
      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = var.exclusive ? [1] : []
    content {
      sid     = "DenyWritesToNonWriters"
      effect  = "Deny"
      actions = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
      resources = ["${local.bucket_arn}/*"]
      # No writer at all: the Deny applies to everyone.
      dynamic "condition" {
        for_each = length(local.all_writers) > 0 ? [1] : []
        content {
          test     = "ArnNotLike"
          variable = "aws:PrincipalArn"
          values   = local.all_writers
        }
      }
    }
  }

  dynamic "statement" {
    for_each = { for i, a in var.access : i => a if length(a.read_prefixes) > 0 }
    content {
      sid     = "Read${statement.key}"
      actions = ["s3:GetObject", "s3:GetObjectVersion"]
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.grants[statement.key].account}:root"]
      }
      # A prefix ending in "*" is a pattern already (variables.tf): one "*", not two.
      resources = [for p in statement.value.read_prefixes : "${local.bucket_arn}/${trimsuffix(p, "*")}*"]
      condition {
        test     = local.grants[statement.key].test
        variable = "aws:PrincipalArn"
        values   = [statement.value.principal_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = { for i, a in var.access : i => a if length(a.write_prefixes) + length(a.write_keys) > 0 }
    content {
      sid = "Write${statement.key}"
      # A multipart upload is authorized as s3:PutObject; aborting one is its own action.
      actions = ["s3:AbortMultipartUpload", "s3:PutObject"]
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.grants[statement.key].account}:root"]
      }
      resources = concat(
        [for p in statement.value.write_prefixes : "${local.bucket_arn}/${trimsuffix(p, "*")}*"],
        [for k in statement.value.write_keys : "${local.bucket_arn}/${k}"],
      )
      condition {
        test     = local.grants[statement.key].test
        variable = "aws:PrincipalArn"
        values   = [statement.value.principal_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = { for i, a in var.access : i => a if a.list }
    content {
      sid     = "List${statement.key}"
      actions = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.grants[statement.key].account}:root"]
      }
      resources = [local.bucket_arn]
      condition {
        test     = local.grants[statement.key].test
        variable = "aws:PrincipalArn"
        values   = [statement.value.principal_arn]
      }
    }
  }

  # Listings limited to prefixes (local.prefix_listings): ListBucket under list_prefixes, ListBucketVersions with
  # exactly one of list_versions_prefixes.
  dynamic "statement" {
    for_each = local.prefix_listings
    content {
      sid       = statement.key
      actions   = [statement.value.action]
      resources = [local.bucket_arn]
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.grants[statement.value.grant].account}:root"]
      }
      condition {
        test     = local.grants[statement.value.grant].test
        variable = "aws:PrincipalArn"
        values   = [local.grants[statement.value.grant].principal]
      }
      condition {
        test     = statement.value.test
        variable = "s3:prefix"
        values   = statement.value.prefixes
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # The policy denies requests that would race with the public access block being applied.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
