output "catalog_uri" {
  description = "Iceberg REST catalog URI the runners use (and query engines can use)."
  value       = module.catalog.catalog_uri
}

output "warehouse_uri" {
  description = "Warehouse location in S3."
  value       = module.warehouse_bucket.warehouse_uri
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.floe.name
}

output "runner_service_name" {
  description = "Name of the runner ECS service (for aws ecs execute-command and update-service)."
  value       = module.runner_service.service_name
}

output "runner_security_group_id" {
  description = "Security group of the runner tasks (admit it on Kafka if kafka_security_group_id was not given)."
  value       = module.runner_service.security_group_id
}

output "runner_task_role_arn" {
  description = "Runner task role (grant it extra access here, e.g. other buckets)."
  value       = module.runner_iam.task_role_arn
}

output "runner_log_group_name" {
  description = "CloudWatch log group of the runners."
  value       = module.runner_service.log_group_name
}

output "lag_metric" {
  description = "CloudWatch namespace, name and dimensions of floe_task_topic_lag, the scaling metric."
  value       = module.runner_service.lag_metric
}

output "catalog_db_password_secret_arn" {
  description = "Secrets Manager secret with the catalog database password (catalog_mode \"ecs\"), or null."
  value       = module.catalog.db_password_secret_arn
}

output "catalog_auth_secret_arn" {
  description = "catalog_mode = \"ecs\": Secrets Manager secret with the token signing key and the OAuth2 client secrets (client-ID keys; engines use credential=ID:SECRET), else null."
  value       = module.catalog.auth_secret_arn
}
