variable "bucket_name" {
  type        = string
  description = "Name of the S3 bucket that holds the Iceberg warehouse (data and metadata files)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "warehouse_prefix" {
  type        = string
  default     = "warehouse/"
  description = "Key prefix of the warehouse inside the bucket, ending with '/' (or \"\" for the whole bucket). Only used to build the warehouse_uri output; the lifecycle rules apply to the whole bucket."

  validation {
    condition     = var.warehouse_prefix == "" || can(regex("^[^/].*/$", var.warehouse_prefix))
    error_message = "warehouse_prefix must be empty or end with '/' and not start with '/', e.g. \"warehouse/\"."
  }
}

variable "force_destroy" {
  type        = bool
  default     = false
  description = "Let `terraform destroy` delete the bucket even if it still holds objects (and every table in it). Keep false outside test environments."
}

variable "sse_algorithm" {
  type        = string
  default     = "AES256"
  description = "Default server-side encryption: \"AES256\" (S3-managed keys) or \"aws:kms\" (KMS; see kms_key_arn)."

  validation {
    condition     = contains(["AES256", "aws:kms"], var.sse_algorithm)
    error_message = "sse_algorithm must be \"AES256\" or \"aws:kms\"."
  }
}

variable "kms_key_arn" {
  type        = string
  default     = null
  description = "KMS key for sse_algorithm = \"aws:kms\"; null uses the AWS managed key aws/s3. Runners and the catalog then need kms:GenerateDataKey and kms:Decrypt on it (runner-iam's kms_key_arn)."
}

variable "versioning" {
  type        = string
  default     = "Disabled"
  description = "Bucket versioning: \"Disabled\" (default: Iceberg keeps its own history as snapshots), \"Enabled\", or \"Suspended\" (the only way back once it has been enabled)."

  validation {
    condition     = contains(["Disabled", "Enabled", "Suspended"], var.versioning)
    error_message = "versioning must be \"Disabled\", \"Enabled\" or \"Suspended\"."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  type        = number
  default     = 1
  description = "Days after which S3 aborts multipart uploads that were never completed (a runner killed mid-file). Floe's planner also aborts them after s3.multipart.abandoned-after-ms; this rule is the backstop."

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  type        = number
  default     = null
  description = "With versioning enabled or suspended: days after which overwritten or deleted object versions are removed for good (and expired delete markers cleaned up). null keeps them forever: snapshot expiry and orphan-file cleanup then free no storage."

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1, false)
    error_message = "noncurrent_version_expiration_days must be null or at least 1."
  }
}

variable "enforce_tls" {
  type        = bool
  default     = true
  description = "Attach a bucket policy that denies every request not made over TLS."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags added to the bucket."
}
