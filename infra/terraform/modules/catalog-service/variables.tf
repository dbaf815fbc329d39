variable "mode" {
  type        = string
  default     = "ecs"
  description = "\"ecs\": run Floe's catalog service (`floe catalog`) on ECS Fargate over PostgreSQL behind an internal ALB. \"external\": create nothing and hand on external_catalog_uri (AWS Glue, Polaris, ...)."

  validation {
    condition     = contains(["ecs", "external"], var.mode)
    error_message = "mode must be \"ecs\" or \"external\"."
  }
}

variable "external_catalog_uri" {
  type        = string
  default     = null
  description = "mode = \"external\": the Iceberg REST catalog URI to output, e.g. https://glue.<region>.amazonaws.com/iceberg."

  validation {
    condition     = var.external_catalog_uri == null || can(regex("^https?://", var.external_catalog_uri))
    error_message = "external_catalog_uri must be an http:// or https:// URI."
  }
}

variable "name" {
  type        = string
  default     = "floe-catalog"
  description = "Name of the service, task family, load balancer, database and roles."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,27}$", var.name))
    error_message = "name must be 1-28 lower-case letters, digits or hyphens, starting with a letter (it names the load balancer and the database too)."
  }
}

variable "image" {
  type        = string
  default     = null
  description = "mode = \"ecs\": the Floe container image; the service runs `floe catalog`."
}

variable "cluster_arn" {
  type        = string
  default     = null
  description = "mode = \"ecs\": ARN of the ECS cluster."
}

variable "vpc_id" {
  type        = string
  default     = null
  description = "mode = \"ecs\": VPC of the service, load balancer and database."
}

variable "subnet_ids" {
  type        = list(string)
  default     = []
  description = "mode = \"ecs\": private subnets in at least two availability zones, for the tasks, the internal load balancer and the database."
}

variable "cpu" {
  type        = number
  default     = 512
  description = "Task CPU units of a catalog task."

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  type        = number
  default     = 1024
  description = "Task memory in MiB of a catalog task (a valid Fargate combination with cpu)."
}

variable "cpu_architecture" {
  type        = string
  default     = "X86_64"
  description = "CPU architecture of the tasks, \"X86_64\" or \"ARM64\"."

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be \"X86_64\" or \"ARM64\"."
  }
}

variable "desired_count" {
  type        = number
  default     = 2
  description = "Catalog tasks. Over PostgreSQL several instances are safe: each commit is one conditional update of the table's pointer."

  validation {
    condition     = var.desired_count >= 1
    error_message = "desired_count must be at least 1."
  }
}

variable "port" {
  type        = number
  default     = 8181
  description = "catalog.service.port: the container port."
}

variable "catalog_name" {
  type        = string
  default     = "floe"
  description = "catalog.service.name: catalog name inside the database, so several catalogs can share one."
}

variable "warehouse_bucket_name" {
  type        = string
  default     = null
  description = "mode = \"ecs\": the warehouse bucket; the service writes table metadata there."
}

variable "warehouse_prefix" {
  type        = string
  default     = "warehouse/"
  description = "Key prefix of the warehouse, ending with '/' (\"\" for the whole bucket). New tables go under s3://<bucket>/<prefix>."

  validation {
    condition     = var.warehouse_prefix == "" || can(regex("^[^/].*/$", var.warehouse_prefix))
    error_message = "warehouse_prefix must be empty or end with '/' and not start with '/'."
  }
}

variable "kms_key_arn" {
  type        = string
  default     = null
  description = "Customer managed KMS key of the warehouse bucket, if any."
}

variable "ecr_repository_arns" {
  type        = list(string)
  default     = []
  description = "ECR repositories the execution role may pull the image from. Empty for a public image."
}

variable "client_security_group_ids" {
  type        = list(string)
  default     = []
  description = "Security groups allowed to call the catalog through the load balancer (the runners', query engines')."
}

variable "client_cidr_blocks" {
  type        = list(string)
  default     = []
  description = "IPv4 CIDR blocks allowed to call the catalog through the load balancer."
}

variable "certificate_arn" {
  type        = string
  default     = null
  description = "ACM certificate of the HTTPS listener on 443, where the load balancer terminates TLS (set dns_name to a name it covers). Required in mode \"ecs\" unless allow_plain_http is set."
}

variable "allow_plain_http" {
  type        = bool
  default     = false
  description = "Serve plain HTTP on port 80 without a certificate: only for a throwaway stack (LocalStack), never with real data. Tokens are still required."
}

variable "clients" {
  type = map(object({
    role   = optional(string, "tenant")
    tenant = optional(string)
  }))
  default     = {}
  description = "OAuth2 clients of the catalog's token endpoint besides the runners' operator (floe-runner), e.g. { analytics = { tenant = \"analytics\" }, ops = { role = \"operator\" } }. Their secrets are generated into the auth secret (output auth_secret_arn), key client-ID."

  validation {
    condition     = alltrue([for id, c in var.clients : contains(["tenant", "operator"], c.role) && (c.role == "operator" || c.tenant != null) && id != "floe-runner"])
    error_message = "Each client's role is tenant (with a tenant) or operator, and floe-runner is the runners' own."
  }
}

variable "token_lifetime_seconds" {
  type        = number
  default     = 3600
  description = "catalog.service.auth.token-lifetime-ms in seconds: how long a token from the token endpoint is valid."
}

variable "dns_name" {
  type        = string
  default     = null
  description = "Host name clients use for the catalog, e.g. catalog.internal.example.com. null: the load balancer's own DNS name."
}

variable "route53_zone_id" {
  type        = string
  default     = null
  description = "Route 53 (private) hosted zone in which to create dns_name as an alias of the load balancer. null: manage the record yourself."
}

variable "database_mode" {
  type        = string
  default     = "rds"
  description = "\"rds\": create an RDS PostgreSQL instance with a generated password in Secrets Manager. \"existing\": use jdbc_url, jdbc_user and jdbc_password_secret_arn."

  validation {
    condition     = contains(["rds", "existing"], var.database_mode)
    error_message = "database_mode must be \"rds\" or \"existing\"."
  }
}

variable "jdbc_url" {
  type        = string
  default     = null
  description = "database_mode = \"existing\": JDBC URL, jdbc:postgresql://host:5432/db (credentials not in the URL)."

  validation {
    condition     = var.jdbc_url == null || can(regex("^jdbc:postgresql://", var.jdbc_url))
    error_message = "jdbc_url must start with jdbc:postgresql://."
  }
}

variable "jdbc_user" {
  type        = string
  default     = null
  description = "database_mode = \"existing\": database user."
}

variable "jdbc_password_secret_arn" {
  type        = string
  default     = null
  description = "database_mode = \"existing\": Secrets Manager secret (optionally with a :json-key:: suffix) or SSM SecureString parameter holding the password."
}

variable "db_instance_class" {
  type        = string
  default     = "db.t4g.micro"
  description = "RDS instance class. The catalog's load is a few small queries per commit."
}

variable "db_engine_version" {
  type        = string
  default     = "16"
  description = "PostgreSQL major (or major.minor) version; minor versions are upgraded automatically."
}

variable "db_allocated_storage" {
  type        = number
  default     = 20
  description = "Initial storage in GiB."
}

variable "db_max_allocated_storage" {
  type        = number
  default     = 100
  description = "Storage autoscaling ceiling in GiB (0 disables autoscaling)."
}

variable "db_name" {
  type        = string
  default     = "floe_catalog"
  description = "Database name."

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and contain only letters, digits and underscores."
  }
}

variable "db_username" {
  type        = string
  default     = "floe"
  description = "Master user of the database, used by the catalog."
}

variable "db_multi_az" {
  type        = bool
  default     = false
  description = "Run the database with a standby in a second availability zone."
}

variable "db_backup_retention_days" {
  type        = number
  default     = 7
  description = "Days of automated backups (point-in-time recovery). The database is the catalog: losing it loses the pointer to every table's current metadata."
}

variable "db_deletion_protection" {
  type        = bool
  default     = true
  description = "Refuse to delete the database (set false before destroying on purpose)."
}

variable "db_skip_final_snapshot" {
  type        = bool
  default     = false
  description = "Delete the database without a final snapshot."
}

variable "secret_recovery_window_days" {
  type        = number
  default     = 7
  description = "Days a deleted password secret can be restored (0 deletes it at once)."
}

variable "java_opts" {
  type        = string
  default     = "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
  description = "FLOE_JAVA_OPTS of the catalog container."
}

variable "environment" {
  type        = map(string)
  default     = {}
  description = "More environment variables of the catalog container, e.g. { FLOE_CATALOG_SERVICE_BACKEND_CLIENTS = \"8\" }. They override the ones this module sets."
}

variable "log_retention_days" {
  type        = number
  default     = 30
  description = "Retention of the catalog's container logs, in days."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags added to every resource."
}
