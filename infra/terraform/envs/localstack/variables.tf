variable "localstack_endpoint" {
  type        = string
  default     = "http://localhost:4566"
  description = "LocalStack's edge endpoint, as reachable from where terraform runs."
}

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "Region LocalStack is asked for."
}

variable "bucket_name" {
  type        = string
  default     = "floe-warehouse"
  description = "Name of the warehouse bucket created in LocalStack."
}

variable "warehouse_prefix" {
  type        = string
  default     = "warehouse/"
  description = "Key prefix of the warehouse inside the bucket."
}

variable "create_runner_iam" {
  type        = bool
  default     = false
  description = "Also create the runner roles. Needs LocalStack's iam and sts services, which localstack/docker-compose.yml does not start (SERVICES=s3); LocalStack community stores IAM without enforcing it."
}
