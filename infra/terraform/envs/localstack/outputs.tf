output "bucket_name" {
  description = "Name of the warehouse bucket in LocalStack."
  value       = module.warehouse_bucket.bucket_name
}

output "warehouse_uri" {
  description = "Warehouse location, for catalog.service.backend.warehouse."
  value       = module.warehouse_bucket.warehouse_uri
}

output "runner_task_role_arn" {
  description = "ARN of the runner task role, or null when create_runner_iam is false."
  value       = one(module.runner_iam[*].task_role_arn)
}

output "runner_properties" {
  description = "Properties of a runner started on the host (`floe run --config`) against the compose stack's Kafka (localhost:29092), catalog (localhost:8181) and LocalStack S3."
  value       = <<-EOT
    kafka.bootstrap.servers=localhost:29092
    catalog.uri=http://localhost:8181
    s3.endpoint=${var.localstack_endpoint}
    s3.region=${var.region}
    s3.path-style-access=true
    s3.access-key-id=test
    s3.secret-access-key=test
  EOT
}
