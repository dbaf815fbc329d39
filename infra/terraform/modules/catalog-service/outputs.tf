output "catalog_uri" {
  description = "Iceberg REST catalog URI for the runners' catalog.uri: the load balancer (or dns_name) in mode \"ecs\", external_catalog_uri in mode \"external\"."
  value       = local.catalog_uri

  precondition {
    condition     = local.catalog_uri != null
    error_message = "mode = \"external\" needs external_catalog_uri."
  }
}

output "mode" {
  description = "The catalog mode, \"ecs\" or \"external\"."
  value       = var.mode
}

output "warehouse_uri" {
  description = "catalog.service.backend.warehouse of the service (mode \"ecs\"), or null."
  value       = local.ecs ? local.warehouse_uri : null
}

output "service_name" {
  description = "Name of the catalog ECS service, or null in mode \"external\"."
  value       = one(aws_ecs_service.catalog[*].name)
}

output "load_balancer_dns_name" {
  description = "DNS name of the internal load balancer, or null in mode \"external\"."
  value       = one(aws_lb.catalog[*].dns_name)
}

output "load_balancer_security_group_id" {
  description = "Security group of the load balancer, or null in mode \"external\"."
  value       = one(aws_security_group.alb[*].id)
}

output "task_role_arn" {
  description = "Task role of the catalog service (attach more policies here), or null."
  value       = one(aws_iam_role.task[*].arn)
}

output "db_endpoint" {
  description = "host:port of the RDS instance, or null when none was created."
  value       = one(aws_db_instance.catalog[*].endpoint)
}

output "db_password_secret_arn" {
  description = "Secrets Manager secret holding the database password, or null when none was created."
  value       = one(aws_secretsmanager_secret.db_password[*].arn)
}

output "log_group_name" {
  description = "CloudWatch log group of the catalog containers, or null."
  value       = one(aws_cloudwatch_log_group.catalog[*].name)
}

output "auth_secret_arn" {
  description = "Secrets Manager secret with the token signing key (signing-key) and each OAuth2 client's secret (client-ID), or null in mode \"external\"."
  value       = one(aws_secretsmanager_secret.auth[*].arn)
}

output "runner_credential_value_from" {
  description = "valueFrom of the runners' catalog.credential (floe-runner:SECRET) for their FLOE_CATALOG_CREDENTIAL, or null in mode \"external\"."
  value       = local.ecs ? "${aws_secretsmanager_secret.auth[0].arn}:runner-credential::" : null
}
