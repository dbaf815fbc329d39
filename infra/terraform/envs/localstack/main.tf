# The warehouse bucket (and, for inspection, the runner roles) in LocalStack. ECS, RDS and
# Application Auto Scaling need LocalStack Pro, so the services themselves run from
# localstack/docker-compose.yml instead.

provider "aws" {
  region     = var.region
  access_key = "test"
  secret_key = "test"

  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true

  endpoints {
    iam = var.localstack_endpoint
    s3  = var.localstack_endpoint
    sts = var.localstack_endpoint
  }
}

locals {
  runner_name = "floe-runner"
}

module "warehouse_bucket" {
  source = "../../modules/warehouse-bucket"

  bucket_name      = var.bucket_name
  warehouse_prefix = var.warehouse_prefix
  force_destroy    = true
  # Floe reaches LocalStack over plain HTTP.
  enforce_tls = false
}

module "runner_iam" {
  source = "../../modules/runner-iam"
  count  = var.create_runner_iam ? 1 : 0

  name                   = local.runner_name
  warehouse_bucket_name  = module.warehouse_bucket.bucket_name
  warehouse_prefix       = module.warehouse_bucket.warehouse_prefix
  log_group_name         = "/ecs/${local.runner_name}"
  metrics_log_group_name = "/ecs/${local.runner_name}/metrics"
}
