output "service_name" {
  description = "Name of the runner ECS service."
  value       = aws_ecs_service.runner.name
}

output "service_id" {
  description = "ARN of the runner ECS service."
  value       = aws_ecs_service.runner.id
}

output "task_definition_arn" {
  description = "ARN (with revision) of the runner task definition."
  value       = aws_ecs_task_definition.runner.arn
}

output "security_group_id" {
  description = "Security group of the runner tasks: admit it on your Kafka cluster and catalog."
  value       = aws_security_group.runner.id
}

output "log_group_name" {
  description = "CloudWatch log group of the runner (stream prefix runner/) and agent (cloudwatch-agent/) containers."
  value       = aws_cloudwatch_log_group.runner.name
}

output "metrics_log_group_name" {
  description = "CloudWatch log group of the agent's embedded-metric-format events."
  value       = aws_cloudwatch_log_group.metrics.name
}

output "lag_metric" {
  description = "The autoscaling metric: namespace, name and dimensions of floe_task_topic_lag in CloudWatch."
  value       = local.lag_metric
}

output "autoscaling_resource_id" {
  description = "Application Auto Scaling resource id of the service (service/<cluster>/<service>)."
  value       = aws_appautoscaling_target.runner.resource_id
}

output "alarm_names" {
  description = "Names of the lag alarms that drive scale-out and scale-in."
  value       = [aws_cloudwatch_metric_alarm.lag_high.alarm_name, aws_cloudwatch_metric_alarm.lag_low.alarm_name]
}
