# --- Service and task ----------------------------------------------------------------------------

variable "name" {
  type        = string
  default     = "floe-runner"
  description = "Name of the ECS service and task definition family; prefix of the alarms and scaling policies."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name must be 1-200 letters, digits, hyphens or underscores."
  }
}

variable "cluster_arn" {
  type        = string
  description = "ARN of the ECS cluster the service runs in."

  validation {
    condition     = can(regex("^arn:[^:]+:ecs:[^:]+:[0-9]+:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN, arn:aws:ecs:<region>:<account>:cluster/<name>."
  }
}

variable "image" {
  type        = string
  description = "Floe container image, e.g. <account>.dkr.ecr.<region>.amazonaws.com/floe:<tag>. Its entrypoint is the floe launcher; the service runs `floe run`."
}

variable "cpu" {
  type        = number
  default     = 1024
  description = "Task CPU units (1024 = 1 vCPU), shared by the runner and the CloudWatch agent sidecar."

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  type        = number
  default     = 2048
  description = "Task memory in MiB (a valid Fargate combination with cpu). The runner container gets this minus agent_memory as its hard limit, and the JVM sizes its heap from that limit (java_opts)."
}

variable "cpu_architecture" {
  type        = string
  default     = "X86_64"
  description = "CPU architecture of the tasks, \"X86_64\" or \"ARM64\"; the image must be built for it."

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be \"X86_64\" or \"ARM64\"."
  }
}

variable "capacity_provider" {
  type        = string
  default     = "FARGATE"
  description = "\"FARGATE\" or \"FARGATE_SPOT\" (the cluster must have it). Runners are stateless: a Spot interruption is a SIGTERM, and unfinished tasks are redelivered."

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.capacity_provider)
    error_message = "capacity_provider must be \"FARGATE\" or \"FARGATE_SPOT\"."
  }
}

variable "task_role_arn" {
  type        = string
  description = "Task role of the runner and agent containers (runner-iam's task_role_arn)."
}

variable "execution_role_arn" {
  type        = string
  description = "Execution role ECS starts the tasks with (runner-iam's execution_role_arn)."
}

variable "enable_execute_command" {
  type        = bool
  default     = false
  description = "Enable ECS Exec into the containers, e.g. to call the runner's admin API from inside the VPC. The task role needs ssmmessages permissions (runner-iam's ecs_exec_enabled)."
}

variable "wait_for_steady_state" {
  type        = bool
  default     = false
  description = "Make `terraform apply` wait until the service's deployment has finished."
}

# --- Network -------------------------------------------------------------------------------------

variable "vpc_id" {
  type        = string
  description = "VPC of the runner tasks."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the runner tasks, normally private ones with a NAT gateway or VPC endpoints for S3, ECR, CloudWatch Logs and Secrets Manager."

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids must name at least one subnet."
  }
}

variable "assign_public_ip" {
  type        = bool
  default     = false
  description = "Give each task a public IP (only for public subnets without a NAT gateway)."
}

variable "additional_security_group_ids" {
  type        = list(string)
  default     = []
  description = "Security groups attached to the tasks besides the one this module creates, e.g. one your Kafka cluster already admits."
}

variable "admin_ingress_cidr_blocks" {
  type        = list(string)
  default     = []
  description = "IPv4 CIDR blocks allowed to reach the runner's HTTP port (admin API, /metrics). Empty: nobody from outside the task."
}

variable "admin_ingress_security_group_ids" {
  type        = list(string)
  default     = []
  description = "Security groups allowed to reach the runner's HTTP port, e.g. a bastion's."
}

# --- Floe configuration --------------------------------------------------------------------------

variable "kafka_bootstrap_servers" {
  type        = string
  description = "kafka.bootstrap.servers: the cluster of the task topic (and of the source topics unless source.kafka.* says otherwise)."
}

variable "catalog_uri" {
  type        = string
  description = "catalog.uri: the Iceberg REST catalog (catalog-service's catalog_uri)."

  validation {
    condition     = can(regex("^https?://", var.catalog_uri))
    error_message = "catalog_uri must be an http:// or https:// URI."
  }
}

variable "catalog_warehouse" {
  type        = string
  default     = null
  description = "catalog.warehouse, if the catalog needs one (for AWS Glue: the account id). null leaves it unset."
}

variable "s3_region" {
  type        = string
  default     = null
  description = "s3.region: region of the warehouse bucket. null: the region the service runs in."
}

variable "runner_group_id" {
  type        = string
  default     = "floe-runners"
  description = "runner.group-id: consumer group of the runners (the planner uses <group-id>.planner)."
}

variable "task_topic" {
  type        = string
  default     = "floe.tasks"
  description = "runner.task-topic: topic the planner writes tasks to and runners consume."
}

variable "task_topic_partitions" {
  type        = number
  default     = 12
  description = "runner.task-topic-partitions: partitions when Floe creates the task topic. Caps the useful runners, so max_capacity may not exceed it."
}

variable "task_dead_letter_topic" {
  type        = string
  default     = "floe.tasks.dlq"
  description = "runner.task-dead-letter-topic."
}

variable "planner_leader_topic" {
  type        = string
  default     = "floe.planner"
  description = "planner.leader-topic."
}

variable "dead_letter_topic" {
  type        = string
  default     = "floe.dlq"
  description = "dead-letter.topic: records that cannot be materialized (on the source cluster)."
}

variable "replication_factor" {
  type        = number
  default     = 3
  description = "runner.replication-factor of the topics Floe creates."

  validation {
    condition     = var.replication_factor >= 1 && floor(var.replication_factor) == var.replication_factor
    error_message = "replication_factor must be a whole number of at least 1."
  }
}

variable "http_port" {
  type        = number
  default     = 8080
  description = "runner.http.port: health, readiness, metrics and admin API."
}

variable "shutdown_timeout_seconds" {
  type        = number
  default     = 30
  description = "runner.shutdown-timeout-ms in seconds: how long running tasks may finish after SIGTERM. The container's stopTimeout (SIGTERM to SIGKILL) is this plus 15 s to commit offsets and leave the group; Fargate allows at most 120 s."

  validation {
    condition     = var.shutdown_timeout_seconds >= 1 && var.shutdown_timeout_seconds <= 105
    error_message = "shutdown_timeout_seconds must be between 1 and 105 (stopTimeout, 15 s more, is at most 120 s on Fargate)."
  }
}

variable "java_opts" {
  type        = string
  default     = "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
  description = "FLOE_JAVA_OPTS: JVM options of the floe launcher. The default (the image's own) sizes the heap from the container's memory limit and exits on OutOfMemoryError so ECS replaces the task."
}

variable "environment" {
  type        = map(string)
  default     = {}
  description = "More environment variables of the runner container, e.g. { FLOE_RUNNER_TASKS_MAX__CONCURRENT = \"4\" } (FLOE_ + key upper-cased, '.' → '_', '-' → '__'). They override the ones this module sets."
}

variable "secrets" {
  type        = map(string)
  default     = {}
  description = "Environment variables of the runner container read at start from Secrets Manager or SSM Parameter Store: name → ARN (a Secrets Manager ARN may end in :json-key::), e.g. { FLOE_KAFKA_SASL_JAAS_CONFIG = \"arn:aws:secretsmanager:...\" }. Grant them with runner-iam's secret_arns."
}

variable "health_check_start_period_seconds" {
  type        = number
  default     = 60
  description = "Grace period before failed /health checks count (JVM start)."

  validation {
    condition     = var.health_check_start_period_seconds >= 0 && var.health_check_start_period_seconds <= 300
    error_message = "health_check_start_period_seconds must be between 0 and 300."
  }
}

# --- Logs and metrics ----------------------------------------------------------------------------

variable "log_group_name" {
  type        = string
  description = "CloudWatch log group this module creates for the runner and agent containers."
}

variable "log_retention_days" {
  type        = number
  default     = 30
  description = "Retention of the container logs, in days."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "metrics_log_group_name" {
  type        = string
  description = "CloudWatch log group this module creates for the agent's embedded-metric-format events."
}

variable "metrics_log_retention_days" {
  type        = number
  default     = 1
  description = "Retention of the embedded-metric-format events, in days. The metrics extracted from them are kept by CloudWatch Metrics regardless."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.metrics_log_retention_days)
    error_message = "metrics_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "metrics_namespace" {
  type        = string
  default     = "Floe"
  description = "CloudWatch namespace of the runner metrics the agent publishes (floe_task_topic_lag and a few more)."
}

variable "metrics_scrape_interval_seconds" {
  type        = number
  default     = 30
  description = "How often the agent scrapes the runner's /metrics."

  validation {
    condition     = var.metrics_scrape_interval_seconds >= 10 && var.metrics_scrape_interval_seconds <= 60
    error_message = "metrics_scrape_interval_seconds must be between 10 and 60 (the alarms use 60-second periods)."
  }
}

variable "cloudwatch_agent_image" {
  type        = string
  default     = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300064.0b1337"
  description = "Image of the CloudWatch agent sidecar that scrapes /metrics and publishes them as EMF. Pulled from public ECR: subnets without a NAT gateway (VPC endpoints only) need it mirrored into a private ECR repository."
}

variable "agent_cpu" {
  type        = number
  default     = 128
  description = "CPU units reserved for the agent sidecar (the runner gets the rest of the task's)."
}

variable "agent_memory" {
  type        = number
  default     = 256
  description = "Memory hard limit of the agent sidecar in MiB (the runner gets the rest of the task's)."
}

# --- Autoscaling ---------------------------------------------------------------------------------

variable "min_capacity" {
  type        = number
  default     = 2
  description = "Fewest runners. Two keep planning going while one restarts (planner leadership moves in seconds)."

  validation {
    condition     = var.min_capacity >= 1
    error_message = "min_capacity must be at least 1: a runner is also the planner."
  }
}

variable "max_capacity" {
  type        = number
  default     = 8
  description = "Most runners. At most task_topic_partitions: each runner needs a task-topic partition to be useful."
}

variable "scale_out_lag_threshold" {
  type        = number
  default     = 5
  description = "Tasks waiting in the task topic (floe_task_topic_lag, maximum over the runners) at which runners are added: +1 from this, +2 from twice this, +4 from five times this."

  validation {
    condition     = var.scale_out_lag_threshold >= 1
    error_message = "scale_out_lag_threshold must be at least 1."
  }
}

variable "scale_out_evaluation_periods" {
  type        = number
  default     = 2
  description = "Consecutive minutes the lag must stay at or above scale_out_lag_threshold before runners are added."
}

variable "scale_out_cooldown_seconds" {
  type        = number
  default     = 120
  description = "Seconds after a scale-out before the next one (new runners need about a minute to start and join the group)."
}

variable "scale_in_lag_threshold" {
  type        = number
  default     = 0
  description = "Lag at or below which one runner is removed per scale_in_cooldown_seconds, once it has lasted scale_in_evaluation_periods minutes."

  validation {
    condition     = var.scale_in_lag_threshold >= 0
    error_message = "scale_in_lag_threshold must not be negative."
  }
}

variable "scale_in_evaluation_periods" {
  type        = number
  default     = 15
  description = "Consecutive minutes of low lag before runners are removed."
}

variable "scale_in_cooldown_seconds" {
  type        = number
  default     = 300
  description = "Seconds between two scale-ins."
}

variable "cpu_target_percent" {
  type        = number
  default     = 70
  description = "Average CPU utilisation the fallback target-tracking policy keeps the service under, for when the lag metric is missing or lags behind."

  validation {
    condition     = var.cpu_target_percent > 0 && var.cpu_target_percent <= 100
    error_message = "cpu_target_percent must be between 1 and 100."
  }
}

variable "cpu_scale_in_enabled" {
  type        = bool
  default     = true
  description = "Let the CPU policy remove runners too. On by default: the lag counts running tasks as well as waiting ones, so under steady load it rarely reaches 0 and CPU is what shows spare runners. Turn off to scale in only when the service is idle."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags added to every resource (propagated from the service to its tasks)."
}
