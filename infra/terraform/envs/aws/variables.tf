# --- Account, network, image ---------------------------------------------------------------------

variable "region" {
  type        = string
  description = "AWS region of the deployment."
}

variable "name" {
  type        = string
  default     = "floe"
  description = "Prefix of every resource name (the cluster is called this; the runner service <name>-runner, the catalog <name>-catalog)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name))
    error_message = "name must be 1-20 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags added to every resource (provider default_tags), besides Project = floe."
}

variable "vpc_id" {
  type        = string
  description = "VPC to deploy into."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets (at least two availability zones) with a route to S3, ECR, CloudWatch, Secrets Manager and Kafka."

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids must name at least two subnets (the load balancer and the database need two availability zones)."
  }
}

variable "image" {
  type        = string
  description = "Floe image pushed to ECR, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/floe:0.1.0."
}

variable "ecr_repository_arn" {
  type        = string
  default     = null
  description = "ARN of the ECR repository holding the image (the execution roles may pull from it). null for a public image."
}

variable "cpu_architecture" {
  type        = string
  default     = "X86_64"
  description = "CPU architecture the image is built for, \"X86_64\" or \"ARM64\" (Graviton, cheaper)."
}

variable "container_insights" {
  type        = bool
  default     = false
  description = "Enable CloudWatch Container Insights on the cluster (per-task CPU and memory metrics; billed)."
}

variable "log_retention_days" {
  type        = number
  default     = 30
  description = "Retention of the runner and catalog container logs, in days."
}

# --- Warehouse -----------------------------------------------------------------------------------

variable "warehouse_bucket_name" {
  type        = string
  description = "Name of the S3 bucket to create for the warehouse (globally unique)."
}

variable "warehouse_prefix" {
  type        = string
  default     = "warehouse/"
  description = "Key prefix of the warehouse inside the bucket."
}

variable "warehouse_kms_key_arn" {
  type        = string
  default     = null
  description = "KMS key to encrypt the warehouse with. null: SSE-S3 (AES256)."
}

variable "warehouse_versioning" {
  type        = string
  default     = "Disabled"
  description = "Versioning of the warehouse bucket: \"Disabled\", \"Enabled\" or \"Suspended\" (see the warehouse-bucket module for why it is off)."
}

# --- Kafka ---------------------------------------------------------------------------------------

variable "kafka_bootstrap_servers" {
  type        = string
  description = "kafka.bootstrap.servers of the cluster holding the task topic and the source topics."
}

variable "kafka_security_group_id" {
  type        = string
  default     = null
  description = "Security group of the Kafka brokers (e.g. the MSK cluster's): the runners are admitted on ports 9092-9098. null: admit them yourself."
}

variable "msk_iam_enabled" {
  type        = bool
  default     = false
  description = "Authenticate to Amazon MSK with IAM: sets the runners' SASL settings and grants the task role the topics and groups. Needs the aws-msk-iam-auth library in the image."
}

variable "msk_cluster_arn" {
  type        = string
  default     = null
  description = "ARN of the MSK cluster, when msk_iam_enabled."
}

variable "source_topics" {
  type        = list(string)
  default     = ["*"]
  description = "Topics the runners may read as sources under MSK IAM (wildcards allowed). Narrow it to the topics you register."
}

# --- Catalog -------------------------------------------------------------------------------------

variable "catalog_mode" {
  type        = string
  default     = "ecs"
  description = "\"ecs\": Floe's catalog service on ECS over RDS PostgreSQL. \"glue\": the AWS Glue Iceberg REST endpoint with SigV4. \"external\": any other REST catalog at external_catalog_uri."

  validation {
    condition     = contains(["ecs", "glue", "external"], var.catalog_mode)
    error_message = "catalog_mode must be \"ecs\", \"glue\" or \"external\"."
  }
}

variable "external_catalog_uri" {
  type        = string
  default     = null
  description = "catalog_mode = \"external\": the REST catalog URI (credentials go in runner_secrets, e.g. FLOE_CATALOG_CREDENTIAL)."
}

variable "glue_databases" {
  type        = list(string)
  default     = []
  description = "catalog_mode = \"glue\": the Glue databases (namespaces) the runners may create tables in. Give them a LocationUri under the warehouse prefix."
}

variable "catalog_db_instance_class" {
  type        = string
  default     = "db.t4g.micro"
  description = "catalog_mode = \"ecs\": RDS instance class of the catalog database."
}

variable "catalog_db_multi_az" {
  type        = bool
  default     = false
  description = "catalog_mode = \"ecs\": run the catalog database Multi-AZ."
}

variable "catalog_db_deletion_protection" {
  type        = bool
  default     = true
  description = "catalog_mode = \"ecs\": protect the catalog database from deletion."
}

variable "catalog_certificate_arn" {
  type        = string
  default     = null
  description = "catalog_mode = \"ecs\": ACM certificate of the catalog's load balancer, which terminates TLS (with catalog_dns_name). Required unless catalog_allow_plain_http."
}

variable "catalog_allow_plain_http" {
  type        = bool
  default     = false
  description = "catalog_mode = \"ecs\": serve the catalog over plain HTTP inside the VPC, without a certificate. Only for throwaway stacks; tokens are still required."
}

variable "catalog_clients" {
  type = map(object({
    role   = optional(string, "tenant")
    tenant = optional(string)
  }))
  default     = {}
  description = "catalog_mode = \"ecs\": OAuth2 clients of the catalog besides the runners' (engines, tenants' jobs, operators), e.g. { analytics = { tenant = \"analytics\" } }. Secrets are generated into output catalog_auth_secret_arn."
}

variable "runner_auth_jwks_url" {
  type        = string
  default     = null
  description = "JWKS URL whose keys sign the tokens the runners' admin API accepts. null: the Floe catalog's (catalog_mode = \"ecs\"); with another catalog, your identity provider's, or set runner_auth_enabled = false."
}

variable "runner_auth_enabled" {
  type        = bool
  default     = true
  description = "Whether the runners' admin API and /metrics need a bearer token (runner.auth.enabled)."
}

variable "catalog_dns_name" {
  type        = string
  default     = null
  description = "catalog_mode = \"ecs\": host name of the catalog (created in catalog_route53_zone_id if given)."
}

variable "catalog_route53_zone_id" {
  type        = string
  default     = null
  description = "catalog_mode = \"ecs\": private hosted zone for catalog_dns_name."
}

# --- Runners -------------------------------------------------------------------------------------

variable "runner_cpu" {
  type        = number
  default     = 1024
  description = "CPU units of a runner task."
}

variable "runner_memory" {
  type        = number
  default     = 2048
  description = "Memory (MiB) of a runner task."
}

variable "runner_min_capacity" {
  type        = number
  default     = 2
  description = "Fewest runners."
}

variable "runner_max_capacity" {
  type        = number
  default     = 8
  description = "Most runners (at most the task topic's 12 partitions)."
}

variable "runner_capacity_provider" {
  type        = string
  default     = "FARGATE"
  description = "\"FARGATE\" or \"FARGATE_SPOT\" for the runners."
}

variable "runner_environment" {
  type        = map(string)
  default     = {}
  description = "More FLOE_* environment variables of the runners, e.g. { FLOE_RUNNER_TASKS_MAX__CONCURRENT = \"4\" }."
}

variable "runner_secrets" {
  type        = map(string)
  default     = {}
  description = "Runner environment variables from Secrets Manager or SSM: name → ARN, e.g. { FLOE_KAFKA_SASL_JAAS_CONFIG = \"arn:aws:secretsmanager:...\" } for SASL/SCRAM."
}

variable "replication_factor" {
  type        = number
  default     = 3
  description = "Replication factor of the topics Floe creates."
}

variable "metrics_namespace" {
  type        = string
  default     = "Floe"
  description = "CloudWatch namespace of the runner metrics."
}

variable "ecs_exec_enabled" {
  type        = bool
  default     = true
  description = "Allow ECS Exec into runner tasks, the way to reach the runner admin API (register tables) without opening a port."
}
