# Floe runners as an ECS Fargate service: `floe run` with a CloudWatch agent sidecar that turns the
# runner's Prometheus metrics into CloudWatch metrics, and Application Auto Scaling on the
# task-topic lag (step scaling) with a CPU target-tracking fallback.

data "aws_region" "current" {}

locals {
  region       = data.aws_region.current.name
  cluster_name = element(split("/", var.cluster_arn), 1)

  # The runner gets a hard memory limit of its own, so the JVM (MaxRAMPercentage) sizes its heap
  # from the runner's share, not from the whole task's.
  runner_memory = var.memory - var.agent_memory
  runner_cpu    = var.cpu - var.agent_cpu

  # SIGTERM → running tasks get runner.shutdown-timeout-ms → offsets committed, group left → exit.
  stop_timeout = var.shutdown_timeout_seconds + 15

  environment = merge(
    {
      FLOE_KAFKA_BOOTSTRAP_SERVERS = var.kafka_bootstrap_servers
      FLOE_CATALOG_URI             = var.catalog_uri
      # The CloudWatch agent beside the runner scrapes /metrics over loopback and cannot fetch
      # tokens; every other caller of the API still needs one.
      FLOE_RUNNER_AUTH_LOOPBACK__METRICS    = "true"
      FLOE_S3_REGION                        = coalesce(var.s3_region, local.region)
      FLOE_RUNNER_GROUP__ID                 = var.runner_group_id
      FLOE_RUNNER_TASK__TOPIC               = var.task_topic
      FLOE_RUNNER_TASK__TOPIC__PARTITIONS   = tostring(var.task_topic_partitions)
      FLOE_RUNNER_TASK__DEAD__LETTER__TOPIC = var.task_dead_letter_topic
      FLOE_PLANNER_LEADER__TOPIC            = var.planner_leader_topic
      FLOE_DEAD__LETTER_TOPIC               = var.dead_letter_topic
      FLOE_RUNNER_REPLICATION__FACTOR       = tostring(var.replication_factor)
      FLOE_RUNNER_HTTP_PORT                 = tostring(var.http_port)
      FLOE_RUNNER_SHUTDOWN__TIMEOUT__MS     = tostring(var.shutdown_timeout_seconds * 1000)
      FLOE_JAVA_OPTS                        = var.java_opts
    },
    var.catalog_warehouse == null ? {} : { FLOE_CATALOG_WAREHOUSE = var.catalog_warehouse },
    var.environment,
  )

  # The metrics published to CloudWatch; everything else the runner exposes is dropped at the
  # scrape, so the EMF log group only carries these.
  exported_metrics = {
    floe_task_topic_lag            = "Count"
    floe_tasks_running             = "Count"
    floe_tasks_queued              = "Count"
    floe_tasks_dead_lettered_total = "Count"
    floe_commits_unknown_total     = "Count"
  }

  lag_metric = {
    namespace  = var.metrics_namespace
    name       = "floe_task_topic_lag"
    dimensions = { ClusterName = local.cluster_name, ServiceName = var.name }
  }

  # Standard Prometheus scrape configuration: the agent shares the task's network namespace, so
  # the runner is localhost. The static labels become the CloudWatch dimensions.
  prometheus_config = {
    global = {
      scrape_interval = "${var.metrics_scrape_interval_seconds}s"
      scrape_timeout  = "10s"
    }
    scrape_configs = [{
      job_name     = "floe-runner"
      metrics_path = "/metrics"
      static_configs = [{
        targets = ["localhost:${var.http_port}"]
        labels  = local.lag_metric.dimensions
      }]
      metric_relabel_configs = [{
        source_labels = ["__name__"]
        regex         = join("|", keys(local.exported_metrics))
        action        = "keep"
      }]
    }]
  }

  agent_config = {
    agent = {
      region = local.region
    }
    logs = {
      metrics_collected = {
        prometheus = {
          cluster_name           = local.cluster_name
          log_group_name         = var.metrics_log_group_name
          prometheus_config_path = "env:PROMETHEUS_CONFIG_CONTENT"
          emf_processor = {
            metric_declaration_dedup = true
            metric_namespace         = var.metrics_namespace
            metric_unit              = local.exported_metrics
            metric_declaration = [{
              source_labels    = ["job"]
              label_matcher    = "^floe-runner$"
              dimensions       = [keys(local.lag_metric.dimensions)]
              metric_selectors = [for metric in keys(local.exported_metrics) : "^${metric}$"]
            }]
          }
        }
      }
    }
  }

  log_options = {
    awslogs-group  = aws_cloudwatch_log_group.runner.name
    awslogs-region = local.region
    # A slow CloudWatch Logs must not stall the runner's threads.
    mode            = "non-blocking"
    max-buffer-size = "4m"
  }

  runner_container = {
    name      = "runner"
    image     = var.image
    essential = true
    command   = ["run"]
    cpu       = local.runner_cpu
    memory    = local.runner_memory
    portMappings = [{
      name          = "http"
      containerPort = var.http_port
      protocol      = "tcp"
    }]
    environment = [for name, value in local.environment : { name = name, value = value }]
    secrets     = [for name, arn in var.secrets : { name = name, valueFrom = arn }]
    healthCheck = {
      command     = ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost:${var.http_port}/health || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = var.health_check_start_period_seconds
    }
    stopTimeout = local.stop_timeout
    linuxParameters = {
      initProcessEnabled = true
    }
    logConfiguration = {
      logDriver = "awslogs"
      options   = merge(local.log_options, { awslogs-stream-prefix = "runner" })
    }
  }

  # Not essential: if the agent dies the runner keeps working; the lag alarms then see no data,
  # which never scales in (scale-out still happens on CPU).
  agent_container = {
    name      = "cloudwatch-agent"
    image     = var.cloudwatch_agent_image
    essential = false
    cpu       = var.agent_cpu
    memory    = var.agent_memory
    environment = [
      { name = "CW_CONFIG_CONTENT", value = jsonencode(local.agent_config) },
      { name = "PROMETHEUS_CONFIG_CONTENT", value = yamlencode(local.prometheus_config) },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options   = merge(local.log_options, { awslogs-stream-prefix = "cloudwatch-agent" })
    }
  }

  # Step sizes of the lag scale-out policy, as distances above the alarm threshold T:
  # lag in [T, 2T) adds 1 runner, [2T, 5T) adds 2, 5T and more adds 4.
  scale_out_steps = [
    { lower = 0, upper = var.scale_out_lag_threshold, adjustment = 1 },
    { lower = var.scale_out_lag_threshold, upper = 4 * var.scale_out_lag_threshold, adjustment = 2 },
    { lower = 4 * var.scale_out_lag_threshold, upper = null, adjustment = 4 },
  ]

  autoscaling_resource_id = "service/${local.cluster_name}/${aws_ecs_service.runner.name}"
}

# --- Logs ----------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "runner" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "metrics" {
  name              = var.metrics_log_group_name
  retention_in_days = var.metrics_log_retention_days
  tags              = var.tags
}

# --- Network -------------------------------------------------------------------------------------

resource "aws_security_group" "runner" {
  name_prefix = "${var.name}-"
  description = "Floe runner tasks"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

# Kafka, S3, the catalog, ECR and CloudWatch: runners only open connections.
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.runner.id
  description       = "Kafka, S3, catalog, AWS APIs"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "admin_cidr" {
  count = length(var.admin_ingress_cidr_blocks)

  security_group_id = aws_security_group.runner.id
  description       = "Runner HTTP API"
  ip_protocol       = "tcp"
  from_port         = var.http_port
  to_port           = var.http_port
  cidr_ipv4         = var.admin_ingress_cidr_blocks[count.index]
}

resource "aws_vpc_security_group_ingress_rule" "admin_security_group" {
  count = length(var.admin_ingress_security_group_ids)

  security_group_id            = aws_security_group.runner.id
  description                  = "Runner HTTP API"
  ip_protocol                  = "tcp"
  from_port                    = var.http_port
  to_port                      = var.http_port
  referenced_security_group_id = var.admin_ingress_security_group_ids[count.index]
}

# --- Task definition and service -----------------------------------------------------------------

resource "aws_ecs_task_definition" "runner" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  task_role_arn            = var.task_role_arn
  execution_role_arn       = var.execution_role_arn
  container_definitions    = jsonencode([local.runner_container, local.agent_container])
  tags                     = var.tags

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  lifecycle {
    precondition {
      condition     = local.runner_memory >= 512
      error_message = "memory (${var.memory} MiB) leaves the runner less than 512 MiB after agent_memory (${var.agent_memory} MiB)."
    }
    precondition {
      condition     = local.runner_cpu >= 128
      error_message = "cpu (${var.cpu}) leaves the runner less than 128 units after agent_cpu (${var.agent_cpu})."
    }
  }
}

resource "aws_ecs_service" "runner" {
  name                    = var.name
  cluster                 = var.cluster_arn
  task_definition         = aws_ecs_task_definition.runner.arn
  desired_count           = var.min_capacity
  enable_execute_command  = var.enable_execute_command
  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true
  wait_for_steady_state   = var.wait_for_steady_state
  tags                    = var.tags

  capacity_provider_strategy {
    capacity_provider = var.capacity_provider
    weight            = 1
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = concat([aws_security_group.runner.id], var.additional_security_group_ids)
    assign_public_ip = var.assign_public_ip
  }

  # New runners start (and pass /health) before old ones get SIGTERM; a deployment whose tasks
  # keep failing is rolled back to the last one that worked.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    # Application Auto Scaling owns the desired count once the service exists.
    ignore_changes = [desired_count]
  }
}

# --- Autoscaling ---------------------------------------------------------------------------------

resource "aws_appautoscaling_target" "runner" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = local.autoscaling_resource_id
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = var.max_capacity >= var.min_capacity
      error_message = "max_capacity (${var.max_capacity}) is below min_capacity (${var.min_capacity})."
    }
    precondition {
      condition     = var.max_capacity <= var.task_topic_partitions
      error_message = "max_capacity (${var.max_capacity}) exceeds task_topic_partitions (${var.task_topic_partitions}): runners beyond the task topic's partitions get no tasks."
    }
  }
}

resource "aws_appautoscaling_policy" "lag_scale_out" {
  name               = "${var.name}-lag-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.runner.service_namespace
  scalable_dimension = aws_appautoscaling_target.runner.scalable_dimension
  resource_id        = aws_appautoscaling_target.runner.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_out_cooldown_seconds
    metric_aggregation_type = "Maximum"

    dynamic "step_adjustment" {
      for_each = local.scale_out_steps

      content {
        metric_interval_lower_bound = step_adjustment.value.lower
        metric_interval_upper_bound = step_adjustment.value.upper
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

resource "aws_appautoscaling_policy" "lag_scale_in" {
  name               = "${var.name}-lag-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.runner.service_namespace
  scalable_dimension = aws_appautoscaling_target.runner.scalable_dimension
  resource_id        = aws_appautoscaling_target.runner.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_in_cooldown_seconds
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

# Only the leading planner publishes the lag (the other runners report 0 or nothing), so the
# alarms take the maximum over the service's tasks.
resource "aws_cloudwatch_metric_alarm" "lag_high" {
  alarm_name          = "${var.name}-task-lag-high"
  alarm_description   = "Tasks wait in ${var.task_topic}: add Floe runners."
  namespace           = local.lag_metric.namespace
  metric_name         = local.lag_metric.name
  dimensions          = local.lag_metric.dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = var.scale_out_evaluation_periods
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.scale_out_lag_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.lag_scale_out.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lag_low" {
  alarm_name          = "${var.name}-task-lag-low"
  alarm_description   = "No tasks wait in ${var.task_topic}: remove a Floe runner."
  namespace           = local.lag_metric.namespace
  metric_name         = local.lag_metric.name
  dimensions          = local.lag_metric.dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = var.scale_in_evaluation_periods
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = var.scale_in_lag_threshold
  # No data (agent or planner down) is not evidence of an idle service: never scale in on it.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_appautoscaling_policy.lag_scale_in.arn]
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = var.scale_in_lag_threshold < var.scale_out_lag_threshold
      error_message = "scale_in_lag_threshold must be below scale_out_lag_threshold."
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.runner.service_namespace
  scalable_dimension = aws_appautoscaling_target.runner.scalable_dimension
  resource_id        = aws_appautoscaling_target.runner.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    disable_scale_in   = !var.cpu_scale_in_enabled
    scale_out_cooldown = var.scale_out_cooldown_seconds
    scale_in_cooldown  = var.scale_in_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
