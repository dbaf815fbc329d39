# The S3 bucket of an Iceberg warehouse written by Floe runners (data files, streamed as multipart
# uploads) and by the catalog (metadata.json, manifests).

locals {
  kms               = var.sse_algorithm == "aws:kms"
  expire_noncurrent = var.versioning != "Disabled" && var.noncurrent_version_expiration_days != null
  warehouse_uri     = "s3://${aws_s3_bucket.this.id}/${var.warehouse_prefix}"
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

# ACLs off: the bucket owner owns every object, access is by IAM policy only.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.sse_algorithm
      kms_master_key_id = local.kms ? var.kms_key_arn : null
    }
    # A bucket key cuts KMS requests (and their cost) for the many small metadata and manifest files.
    bucket_key_enabled = local.kms
  }

  lifecycle {
    precondition {
      condition     = var.kms_key_arn == null || local.kms
      error_message = "kms_key_arn is set but sse_algorithm is not \"aws:kms\"."
    }
  }
}

# Off by default. Iceberg already keeps history as snapshots (time travel, rollback), and the
# storage it frees on purpose (snapshot expiry, orphan-file cleanup, files replaced by
# compaction) would only turn into noncurrent versions that are billed until a lifecycle rule
# removes them. Enable it for protection against accidental deletes, together with
# noncurrent_version_expiration_days.
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # A runner killed mid-file cannot abort its own upload; the parts already uploaded are billed
  # until the upload is aborted. Floe's planner aborts them too: this rule is the backstop.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    # The whole bucket. An empty filter {} warns on some 5.x provider versions; a "" prefix does not.
    filter {
      prefix = ""
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  dynamic "rule" {
    for_each = local.expire_noncurrent ? [var.noncurrent_version_expiration_days] : []

    content {
      id     = "expire-noncurrent-versions"
      status = "Enabled"

      filter {
        prefix = ""
      }

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }

      expiration {
        expired_object_delete_marker = true
      }
    }
  }

  # Lifecycle rules about noncurrent versions need versioning configured first.
  depends_on = [aws_s3_bucket_versioning.this]

  lifecycle {
    precondition {
      condition     = var.noncurrent_version_expiration_days == null || var.versioning != "Disabled"
      error_message = "noncurrent_version_expiration_days needs versioning = \"Enabled\" or \"Suspended\"."
    }
  }
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "tls_only" {
  count = var.enforce_tls ? 1 : 0

  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.tls_only.json

  # S3 refuses a bucket policy while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
