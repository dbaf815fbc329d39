# An example production deployment: the warehouse bucket, runner roles, Floe's catalog service (or
# AWS Glue / another REST catalog) and autoscaled runners, on an ECS cluster in an existing VPC
# next to an existing Kafka cluster.

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Project = "floe" }, var.tags)
  }
}

data "aws_caller_identity" "current" {}

locals {
  # The runners reach Floe's catalog with the operator credential the catalog module generated.
  runner_secrets = merge(
    var.catalog_mode == "ecs" ? { FLOE_CATALOG_CREDENTIAL = module.catalog.runner_credential_value_from } : {},
    var.runner_secrets,
  )
  runner_auth_environment = merge(
    { FLOE_RUNNER_AUTH_ENABLED = tostring(var.runner_auth_enabled) },
    var.runner_auth_jwks_url == null ? {} : { FLOE_RUNNER_AUTH_JWKS__URL = var.runner_auth_jwks_url },
  )
  runner_name              = "${var.name}-runner"
  runner_log_group         = "/ecs/${var.name}-runner"
  runner_metrics_log_group = "/ecs/${var.name}-runner/metrics"
  ecr_repos                = var.ecr_repository_arn == null ? [] : [var.ecr_repository_arn]

  glue_catalog_uri = "https://glue.${var.region}.amazonaws.com/iceberg"

  # Keys are passed unchanged to Iceberg's RESTCatalog (catalog.*): SigV4-signed requests to Glue,
  # whose warehouse is the account's default catalog.
  glue_environment = var.catalog_mode != "glue" ? {} : {
    FLOE_CATALOG_REST_SIGV4__ENABLED  = "true"
    FLOE_CATALOG_REST_SIGNING__NAME   = "glue"
    FLOE_CATALOG_REST_SIGNING__REGION = var.region
  }

  # Kafka client settings of MSK IAM authentication (aws-msk-iam-auth), passed through kafka.*.
  msk_iam_environment = !var.msk_iam_enabled ? {} : {
    FLOE_KAFKA_SECURITY_PROTOCOL                  = "SASL_SSL"
    FLOE_KAFKA_SASL_MECHANISM                     = "AWS_MSK_IAM"
    FLOE_KAFKA_SASL_JAAS_CONFIG                   = "software.amazon.msk.auth.iam.IAMLoginModule required;"
    FLOE_KAFKA_SASL_CLIENT_CALLBACK_HANDLER_CLASS = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
  }
}

# --- Cluster -------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "floe" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "floe" {
  cluster_name       = aws_ecs_cluster.floe.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# Read back through the capacity-provider association, so that services are only created once
# FARGATE and FARGATE_SPOT are attached to the cluster.
data "aws_ecs_cluster" "floe" {
  cluster_name = aws_ecs_cluster_capacity_providers.floe.cluster_name
}

# --- Warehouse -----------------------------------------------------------------------------------

module "warehouse_bucket" {
  source = "../../modules/warehouse-bucket"

  bucket_name      = var.warehouse_bucket_name
  warehouse_prefix = var.warehouse_prefix
  sse_algorithm    = var.warehouse_kms_key_arn == null ? "AES256" : "aws:kms"
  kms_key_arn      = var.warehouse_kms_key_arn
  versioning       = var.warehouse_versioning
}

# --- Catalog -------------------------------------------------------------------------------------

module "catalog" {
  source = "../../modules/catalog-service"

  mode                 = var.catalog_mode == "ecs" ? "ecs" : "external"
  external_catalog_uri = var.catalog_mode == "glue" ? local.glue_catalog_uri : var.external_catalog_uri

  name                      = "${var.name}-catalog"
  image                     = var.image
  ecr_repository_arns       = local.ecr_repos
  cluster_arn               = data.aws_ecs_cluster.floe.arn
  cpu_architecture          = var.cpu_architecture
  vpc_id                    = var.vpc_id
  subnet_ids                = var.private_subnet_ids
  client_security_group_ids = [module.runner_service.security_group_id]
  certificate_arn           = var.catalog_certificate_arn
  allow_plain_http          = var.catalog_allow_plain_http
  clients                   = var.catalog_clients
  dns_name                  = var.catalog_dns_name
  route53_zone_id           = var.catalog_route53_zone_id
  warehouse_bucket_name     = module.warehouse_bucket.bucket_name
  warehouse_prefix          = module.warehouse_bucket.warehouse_prefix
  kms_key_arn               = module.warehouse_bucket.kms_key_arn
  db_instance_class         = var.catalog_db_instance_class
  db_multi_az               = var.catalog_db_multi_az
  db_deletion_protection    = var.catalog_db_deletion_protection
  log_retention_days        = var.log_retention_days
}

# --- Runners -------------------------------------------------------------------------------------

module "runner_iam" {
  source = "../../modules/runner-iam"

  name                   = local.runner_name
  warehouse_bucket_name  = module.warehouse_bucket.bucket_name
  warehouse_prefix       = module.warehouse_bucket.warehouse_prefix
  kms_key_arn            = module.warehouse_bucket.kms_key_arn
  log_group_name         = local.runner_log_group
  metrics_log_group_name = local.runner_metrics_log_group
  metrics_namespace      = var.metrics_namespace
  ecr_repository_arns    = local.ecr_repos
  secret_arns            = values(local.runner_secrets)
  msk_iam_enabled        = var.msk_iam_enabled
  msk_cluster_arn        = var.msk_cluster_arn
  source_topics          = var.source_topics
  glue_databases         = var.catalog_mode == "glue" ? var.glue_databases : []
  ecs_exec_enabled       = var.ecs_exec_enabled
}

# The runners' admin API checks tokens against Floe's catalog's keys; with another catalog it
# needs an identity provider's, or to be switched off deliberately.
resource "terraform_data" "runner_auth" {
  input = var.runner_auth_jwks_url

  lifecycle {
    precondition {
      condition     = !var.runner_auth_enabled || var.catalog_mode == "ecs" || var.runner_auth_jwks_url != null
      error_message = "With catalog_mode other than \"ecs\" the runners' admin API needs runner_auth_jwks_url (your identity provider's JWKS), or runner_auth_enabled = false."
    }
  }
}

module "runner_service" {
  source = "../../modules/runner-service"

  name                   = local.runner_name
  cluster_arn            = data.aws_ecs_cluster.floe.arn
  image                  = var.image
  cpu                    = var.runner_cpu
  memory                 = var.runner_memory
  cpu_architecture       = var.cpu_architecture
  capacity_provider      = var.runner_capacity_provider
  task_role_arn          = module.runner_iam.task_role_arn
  execution_role_arn     = module.runner_iam.execution_role_arn
  enable_execute_command = var.ecs_exec_enabled

  vpc_id     = var.vpc_id
  subnet_ids = var.private_subnet_ids

  kafka_bootstrap_servers = var.kafka_bootstrap_servers
  catalog_uri             = module.catalog.catalog_uri
  catalog_warehouse       = var.catalog_mode == "glue" ? data.aws_caller_identity.current.account_id : null
  s3_region               = module.warehouse_bucket.bucket_region
  replication_factor      = var.replication_factor
  environment             = merge(local.msk_iam_environment, local.glue_environment, local.runner_auth_environment, var.runner_environment)
  secrets                 = local.runner_secrets

  log_group_name         = local.runner_log_group
  metrics_log_group_name = local.runner_metrics_log_group
  log_retention_days     = var.log_retention_days
  metrics_namespace      = var.metrics_namespace
  min_capacity           = var.runner_min_capacity
  max_capacity           = var.runner_max_capacity
}

resource "aws_vpc_security_group_ingress_rule" "kafka_from_runners" {
  count = var.kafka_security_group_id == null ? 0 : 1

  security_group_id            = var.kafka_security_group_id
  description                  = "Floe runners"
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9098
  referenced_security_group_id = module.runner_service.security_group_id
}
