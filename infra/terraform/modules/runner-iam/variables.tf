variable "name" {
  type        = string
  description = "Prefix of the role names: <name>-task and <name>-execution."

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,54}$", var.name))
    error_message = "name must be 1-54 characters valid in an IAM role name (letters, digits and +=,.@_-)."
  }
}

variable "warehouse_bucket_name" {
  type        = string
  description = "Name of the warehouse bucket (warehouse-bucket's bucket_name)."
}

variable "warehouse_prefix" {
  type        = string
  default     = "warehouse/"
  description = "Key prefix the runners may read, write and delete under, ending with '/'; \"\" grants the whole bucket."

  validation {
    condition     = var.warehouse_prefix == "" || can(regex("^[^/].*/$", var.warehouse_prefix))
    error_message = "warehouse_prefix must be empty or end with '/' and not start with '/', e.g. \"warehouse/\"."
  }
}

variable "kms_key_arn" {
  type        = string
  default     = null
  description = "Customer managed KMS key of the warehouse bucket, if any: the task role gets kms:GenerateDataKey and kms:Decrypt on it."
}

variable "log_group_name" {
  type        = string
  description = "CloudWatch log group of the runner and agent containers (runner-service's log_group_name): the execution role writes to it."
}

variable "metrics_log_group_name" {
  type        = string
  description = "CloudWatch log group the CloudWatch agent sidecar writes its embedded-metric-format events to (runner-service's metrics_log_group_name)."
}

variable "metrics_namespace" {
  type        = string
  default     = "Floe"
  description = "CloudWatch metric namespace the task role may publish to with cloudwatch:PutMetricData (EMF itself needs only the log permissions)."
}

variable "ecr_repository_arns" {
  type        = list(string)
  default     = []
  description = "ECR repositories the execution role may pull the Floe image from. Empty for an image in a public registry."
}

variable "secret_arns" {
  type        = list(string)
  default     = []
  description = "Secrets Manager secrets and SSM parameters injected as container secrets (runner-service's secrets values): the execution role may read them. A Secrets Manager ARN may carry a :json-key:: suffix."

  validation {
    condition     = alltrue([for arn in var.secret_arns : can(regex("^arn:[^:]+:(secretsmanager|ssm):", arn))])
    error_message = "secret_arns must be Secrets Manager secret or SSM parameter ARNs."
  }
}

variable "secrets_kms_key_arns" {
  type        = list(string)
  default     = []
  description = "Customer managed KMS keys that encrypt those secrets or SecureString parameters (none needed for AWS managed keys)."
}

variable "msk_iam_enabled" {
  type        = bool
  default     = false
  description = "Grant Amazon MSK IAM access (kafka-cluster:*) to the task role. Leave false for clusters using SASL/SCRAM, mTLS or plaintext."
}

variable "msk_cluster_arn" {
  type        = string
  default     = null
  description = "ARN of the MSK cluster holding the task topic (kafka.bootstrap.servers). Required when msk_iam_enabled."

  validation {
    condition     = var.msk_cluster_arn == null || can(regex("^arn:[^:]+:kafka:[^:]+:[0-9]+:cluster/[^/]+/[^/]+$", var.msk_cluster_arn))
    error_message = "msk_cluster_arn must be an MSK cluster ARN, arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "msk_source_cluster_arn" {
  type        = string
  default     = null
  description = "ARN of the MSK cluster holding the source topics and the record dead-letter topic, when it is not msk_cluster_arn (source.kafka.*). null: the same cluster."

  validation {
    condition     = var.msk_source_cluster_arn == null || can(regex("^arn:[^:]+:kafka:[^:]+:[0-9]+:cluster/[^/]+/[^/]+$", var.msk_source_cluster_arn))
    error_message = "msk_source_cluster_arn must be an MSK cluster ARN, arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "source_topics" {
  type        = list(string)
  default     = []
  description = "Source topics the runners may read (MSK IAM only). Wildcards are allowed, e.g. \"orders.*\"; [\"*\"] allows every topic."
}

variable "task_topic" {
  type        = string
  default     = "floe.tasks"
  description = "runner.task-topic."
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

variable "fleet_topics" {
  type        = list(string)
  default     = ["floe.tenants", "floe.tenant-state", "floe.task-events"]
  description = "runner.tenants-topic, runner.tenant-state-topic and runner.task-events-topic."
}

variable "dead_letter_topic" {
  type        = string
  default     = "floe.dlq"
  description = "dead-letter.topic: where records that cannot be materialized go (on the source cluster)."
}

variable "runner_group_id" {
  type        = string
  default     = "floe-runners"
  description = "runner.group-id. The planner's group <group-id>.planner is granted too."
}

variable "glue_databases" {
  type        = list(string)
  default     = []
  description = "AWS Glue databases (Iceberg namespaces) the runners may read, create and update tables in, for the Glue Iceberg REST endpoint as catalog. Empty: no Glue access."
}

variable "ecs_exec_enabled" {
  type        = bool
  default     = false
  description = "Let the task role open ECS Exec sessions (ssmmessages:*), for runner-service's enable_execute_command."
}

variable "permissions_boundary_arn" {
  type        = string
  default     = null
  description = "Permissions boundary attached to both roles, if your organisation requires one."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags added to the roles."
}
