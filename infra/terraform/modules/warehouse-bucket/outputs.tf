output "bucket_name" {
  description = "Name of the warehouse bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the warehouse bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_region" {
  description = "Region the bucket lives in (the runners' s3.region)."
  value       = aws_s3_bucket.this.region
}

output "warehouse_prefix" {
  description = "Key prefix of the warehouse inside the bucket (\"\" for the whole bucket)."
  value       = var.warehouse_prefix
}

output "warehouse_uri" {
  description = "Warehouse location, s3://<bucket>/<prefix>, e.g. for catalog.service.backend.warehouse."
  value       = local.warehouse_uri
}

output "kms_key_arn" {
  description = "KMS key that encrypts new objects, or null for S3-managed keys (or the AWS managed aws/s3 key)."
  value       = local.kms ? var.kms_key_arn : null
}
