# An Iceberg REST catalog for Floe: either Floe's own catalog service (`floe catalog`, Iceberg's
# JdbcCatalog over PostgreSQL) on ECS Fargate behind an internal ALB, or nothing at all when the
# catalog is external and only its URI is passed on.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  ecs   = var.mode == "ecs"
  rds   = local.ecs && var.database_mode == "rds"
  https = var.certificate_arn != null

  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name

  # A missing bucket name is reported by the task definition's precondition; until then a
  # placeholder keeps these expressions valid in every mode.
  bucket_name   = coalesce(var.warehouse_bucket_name, "unset")
  bucket_arn    = "arn:${local.partition}:s3:::${local.bucket_name}"
  objects_arn   = "${local.bucket_arn}/${var.warehouse_prefix}*"
  warehouse_uri = "s3://${local.bucket_name}/${var.warehouse_prefix}"

  log_group_name = "/ecs/${var.name}"
  listener_port  = local.https ? 443 : 80

  jdbc_url  = local.rds ? "jdbc:postgresql://${aws_db_instance.catalog[0].address}:${aws_db_instance.catalog[0].port}/${var.db_name}?sslmode=require" : var.jdbc_url
  jdbc_user = local.rds ? var.db_username : var.jdbc_user

  # What the container's valueFrom names, and what IAM must allow (a Secrets Manager ARN without
  # its ":json-key::" suffix).
  password_value_from = local.rds ? aws_secretsmanager_secret.db_password[0].arn : var.jdbc_password_secret_arn
  password_resource = (
    local.password_value_from == null ? null :
    split(":", local.password_value_from)[2] == "secretsmanager" ? join(":", slice(split(":", local.password_value_from), 0, 7)) :
    local.password_value_from
  )
  password_in_ssm = try(split(":", local.password_resource)[2] == "ssm", false)

  endpoint_host = var.dns_name != null ? var.dns_name : try(aws_lb.catalog[0].dns_name, null)
  catalog_uri   = local.ecs ? "${local.https ? "https" : "http"}://${local.endpoint_host}" : var.external_catalog_uri

  # The auth secret's JSON keys: the signing key, and a secret per client (the runners' first).
  # Each client's settings are FLOE_CATALOG_SERVICE_AUTH_CLIENTS_<ID>_*, ID spelt as the
  # environment rule says ("-" → "__", "." → "_", upper case).
  client_roles = merge({ "floe-runner" = { role = "operator", tenant = null } }, var.clients)
  client_variables = {
    for id in keys(local.client_roles) : id => "FLOE_CATALOG_SERVICE_AUTH_CLIENTS_${upper(replace(replace(id, "-", "__"), ".", "_"))}"
  }
  client_environment = merge([
    for id, client in local.client_roles : merge(
      { "${local.client_variables[id]}_ROLE" = client.role },
      client.tenant == null ? {} : { "${local.client_variables[id]}_TENANT" = client.tenant },
    )
  ]...)
  auth_secrets = local.ecs ? concat(
    [{ name = "FLOE_CATALOG_SERVICE_AUTH_SIGNING__KEY", valueFrom = "${aws_secretsmanager_secret.auth[0].arn}:signing-key::" }],
    [for id in keys(local.client_roles) : {
      name      = "${local.client_variables[id]}_SECRET"
      valueFrom = "${aws_secretsmanager_secret.auth[0].arn}:client-${id}::"
    }],
  ) : []

  environment = merge(
    {
      FLOE_CATALOG_SERVICE_AUTH_TOKEN__LIFETIME__MS       = tostring(var.token_lifetime_seconds * 1000)
      FLOE_CATALOG_SERVICE_PORT                           = tostring(var.port)
      FLOE_CATALOG_SERVICE_NAME                           = var.catalog_name
      FLOE_CATALOG_SERVICE_BACKEND_URI                    = local.jdbc_url
      FLOE_CATALOG_SERVICE_BACKEND_JDBC_USER              = local.jdbc_user
      FLOE_CATALOG_SERVICE_BACKEND_WAREHOUSE              = local.warehouse_uri
      FLOE_CATALOG_SERVICE_BACKEND_CLIENT_REGION          = local.region
      FLOE_CATALOG_SERVICE_CLIENT__DEFAULTS_CLIENT_REGION = local.region
      FLOE_JAVA_OPTS                                      = var.java_opts
    },
    local.client_environment,
    var.environment,
  )
}

# --- Authentication ------------------------------------------------------------------------------
# Floe's catalog issues the tokens: its RSA signing key and every client's secret are generated
# here and kept in one Secrets Manager secret, which ECS injects into the container (never into
# the task definition or the state of anything but this secret). Rotate a client's secret by
# tainting its random_password; rotate the signing key as the README's "Rotating keys" says.

resource "tls_private_key" "signing" {
  count = local.ecs ? 1 : 0

  algorithm = "RSA"
  rsa_bits  = 2048
}

resource "random_password" "client" {
  for_each = local.ecs ? local.client_roles : {}

  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "auth" {
  count = local.ecs ? 1 : 0

  name_prefix             = "${var.name}-auth-"
  description             = "Floe catalog ${var.name}: token signing key and OAuth2 client secrets"
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "auth" {
  count = local.ecs ? 1 : 0

  secret_id = aws_secretsmanager_secret.auth[0].id
  secret_string = jsonencode(merge(
    { "signing-key" = tls_private_key.signing[0].private_key_pem_pkcs8 },
    { for id, password in random_password.client : "client-${id}" => password.result },
    { "runner-credential" = "floe-runner:${random_password.client["floe-runner"].result}" },
  ))
}

# --- Database ------------------------------------------------------------------------------------

# A generated password kept as a plain Secrets Manager secret rather than RDS-managed
# (manage_master_user_password): RDS rotates its managed password every few days, while ECS reads
# secrets only when a task starts, so the catalog's next new connection would fail. Rotate this one
# deliberately: update the secret and the database, then redeploy the service.
resource "random_password" "db" {
  count = local.rds ? 1 : 0

  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

resource "aws_secretsmanager_secret" "db_password" {
  count = local.rds ? 1 : 0

  name_prefix             = "${var.name}-db-password-"
  description             = "Password of the Floe catalog's PostgreSQL user ${var.db_username}"
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "db_password" {
  count = local.rds ? 1 : 0

  secret_id     = aws_secretsmanager_secret.db_password[0].id
  secret_string = random_password.db[0].result
}

resource "aws_db_subnet_group" "catalog" {
  count = local.rds ? 1 : 0

  name_prefix = "${var.name}-"
  description = "Floe catalog database"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_security_group" "db" {
  count = local.rds ? 1 : 0

  name_prefix = "${var.name}-db-"
  description = "Floe catalog database"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_service" {
  count = local.rds ? 1 : 0

  security_group_id            = aws_security_group.db[0].id
  description                  = "PostgreSQL from the catalog tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.service[0].id
}

resource "aws_db_instance" "catalog" {
  count = local.rds ? 1 : 0

  identifier                 = var.name
  engine                     = "postgres"
  engine_version             = var.db_engine_version
  instance_class             = var.db_instance_class
  allocated_storage          = var.db_allocated_storage
  max_allocated_storage      = var.db_max_allocated_storage
  storage_type               = "gp3"
  storage_encrypted          = true
  db_name                    = var.db_name
  username                   = var.db_username
  password                   = random_password.db[0].result
  db_subnet_group_name       = aws_db_subnet_group.catalog[0].name
  vpc_security_group_ids     = [aws_security_group.db[0].id]
  publicly_accessible        = false
  multi_az                   = var.db_multi_az
  backup_retention_period    = var.db_backup_retention_days
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = var.db_skip_final_snapshot
  final_snapshot_identifier  = var.db_skip_final_snapshot ? null : "${var.name}-final"
  tags                       = var.tags
}

# --- IAM -----------------------------------------------------------------------------------------

data "aws_iam_policy_document" "assume_by_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "task" {
  count = local.ecs ? 1 : 0

  name               = "${var.name}-task"
  description        = "Floe catalog service: table metadata in the warehouse"
  assume_role_policy = data.aws_iam_policy_document.assume_by_ecs_tasks.json
  tags               = var.tags
}

# The catalog writes metadata.json files, reads table metadata and deletes files of purged tables.
data "aws_iam_policy_document" "task" {
  count = local.ecs ? 1 : 0

  statement {
    sid       = "WarehouseObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [local.objects_arn]
  }

  # Unconditional, as in runner-iam: with an s3:prefix condition, a HEAD of a missing key is a 403,
  # not a 404, and Iceberg's existence check before writing a new metadata.json fails.
  statement {
    sid       = "WarehouseList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "WarehouseKmsKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  count = local.ecs ? 1 : 0

  name   = "floe-catalog"
  role   = aws_iam_role.task[0].id
  policy = data.aws_iam_policy_document.task[0].json
}

resource "aws_iam_role" "execution" {
  count = local.ecs ? 1 : 0

  name               = "${var.name}-execution"
  description        = "ECS starting Floe catalog tasks: image pull, logs, database password"
  assume_role_policy = data.aws_iam_policy_document.assume_by_ecs_tasks.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  count = local.ecs ? 1 : 0

  statement {
    sid       = "ContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.catalog[0].arn}:*"]
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [1] : []

    content {
      sid       = "EcrLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [1] : []

    content {
      sid       = "EcrPull"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = var.ecr_repository_arns
    }
  }

  statement {
    sid       = "DatabasePassword"
    actions   = local.password_in_ssm ? ["ssm:GetParameters"] : ["secretsmanager:GetSecretValue"]
    resources = [local.password_resource]
  }

  statement {
    sid       = "AuthSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.auth[0].arn]
  }

  lifecycle {
    precondition {
      condition     = local.jdbc_url != null && local.jdbc_user != null && local.password_value_from != null
      error_message = "database_mode = \"existing\" needs jdbc_url, jdbc_user and jdbc_password_secret_arn."
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  count = local.ecs ? 1 : 0

  name   = "floe-catalog-start"
  role   = aws_iam_role.execution[0].id
  policy = data.aws_iam_policy_document.execution[0].json
}

# --- Network and load balancer -------------------------------------------------------------------

resource "aws_security_group" "alb" {
  count = local.ecs ? 1 : 0

  name_prefix = "${var.name}-alb-"
  description = "Floe catalog load balancer"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.vpc_id != null && length(var.subnet_ids) >= 2
      error_message = "mode = \"ecs\" needs vpc_id and subnet_ids in at least two availability zones."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_client_groups" {
  count = local.ecs ? length(var.client_security_group_ids) : 0

  security_group_id            = aws_security_group.alb[0].id
  description                  = "Iceberg REST clients"
  ip_protocol                  = "tcp"
  from_port                    = local.listener_port
  to_port                      = local.listener_port
  referenced_security_group_id = var.client_security_group_ids[count.index]
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_client_cidrs" {
  count = local.ecs ? length(var.client_cidr_blocks) : 0

  security_group_id = aws_security_group.alb[0].id
  description       = "Iceberg REST clients"
  ip_protocol       = "tcp"
  from_port         = local.listener_port
  to_port           = local.listener_port
  cidr_ipv4         = var.client_cidr_blocks[count.index]
}

resource "aws_vpc_security_group_egress_rule" "alb_to_service" {
  count = local.ecs ? 1 : 0

  security_group_id            = aws_security_group.alb[0].id
  description                  = "Catalog tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.service[0].id
}

resource "aws_security_group" "service" {
  count = local.ecs ? 1 : 0

  name_prefix = "${var.name}-"
  description = "Floe catalog tasks"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "service_from_alb" {
  count = local.ecs ? 1 : 0

  security_group_id            = aws_security_group.service[0].id
  description                  = "Load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.alb[0].id
}

# PostgreSQL, S3, ECR, CloudWatch Logs, Secrets Manager.
resource "aws_vpc_security_group_egress_rule" "service_all" {
  count = local.ecs ? 1 : 0

  security_group_id = aws_security_group.service[0].id
  description       = "Database, S3, AWS APIs"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_lb" "catalog" {
  count = local.ecs ? 1 : 0

  name                       = var.name
  internal                   = true
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb[0].id]
  subnets                    = var.subnet_ids
  drop_invalid_header_fields = true
  tags                       = var.tags
}

resource "aws_lb_target_group" "catalog" {
  count = local.ecs ? 1 : 0

  name                 = "${var.name}-tg"
  port                 = var.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  tags                 = var.tags

  health_check {
    path                = "/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "catalog" {
  count = local.ecs ? 1 : 0

  lifecycle {
    precondition {
      condition     = local.https || var.allow_plain_http
      error_message = "The catalog's load balancer terminates TLS: set certificate_arn (an ACM certificate), or allow_plain_http = true for a throwaway stack."
    }
  }

  load_balancer_arn = aws_lb.catalog[0].arn
  port              = local.listener_port
  protocol          = local.https ? "HTTPS" : "HTTP"
  certificate_arn   = var.certificate_arn
  ssl_policy        = local.https ? "ELBSecurityPolicy-TLS13-1-2-2021-06" : null
  tags              = var.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.catalog[0].arn
  }
}

resource "aws_route53_record" "catalog" {
  count = local.ecs && var.dns_name != null && var.route53_zone_id != null ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.dns_name
  type    = "A"

  alias {
    name                   = aws_lb.catalog[0].dns_name
    zone_id                = aws_lb.catalog[0].zone_id
    evaluate_target_health = true
  }
}

# --- Service -------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "catalog" {
  count = local.ecs ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_ecs_task_definition" "catalog" {
  count = local.ecs ? 1 : 0

  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  task_role_arn            = aws_iam_role.task[0].arn
  execution_role_arn       = aws_iam_role.execution[0].arn
  tags                     = var.tags

  container_definitions = jsonencode([{
    name        = "catalog"
    image       = var.image
    essential   = true
    command     = ["catalog"]
    environment = [for name, value in local.environment : { name = name, value = value }]
    secrets = concat([{
      name      = "FLOE_CATALOG_SERVICE_BACKEND_JDBC_PASSWORD"
      valueFrom = local.password_value_from
    }], local.auth_secrets)
    portMappings = [{
      name          = "http"
      containerPort = var.port
      protocol      = "tcp"
    }]
    healthCheck = {
      command     = ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost:${var.port}/health || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }
    stopTimeout = 30
    linuxParameters = {
      initProcessEnabled = true
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.catalog[0].name
        awslogs-region        = local.region
        awslogs-stream-prefix = "catalog"
        mode                  = "non-blocking"
        max-buffer-size       = "4m"
      }
    }
  }])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  lifecycle {
    precondition {
      condition     = var.image != null && var.warehouse_bucket_name != null
      error_message = "mode = \"ecs\" needs image and warehouse_bucket_name."
    }
  }
}

resource "aws_ecs_service" "catalog" {
  count = local.ecs ? 1 : 0

  name                              = var.name
  cluster                           = var.cluster_arn
  task_definition                   = aws_ecs_task_definition.catalog[0].arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 90
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true
  tags                              = var.tags

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.service[0].id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.catalog[0].arn
    container_name   = "catalog"
    container_port   = var.port
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The target group must belong to a load balancer before a service can use it; the roles need
  # their policies before the first task starts.
  depends_on = [aws_lb_listener.catalog, aws_iam_role_policy.task, aws_iam_role_policy.execution]

  lifecycle {
    precondition {
      condition     = var.cluster_arn != null
      error_message = "mode = \"ecs\" needs cluster_arn."
    }
  }
}
