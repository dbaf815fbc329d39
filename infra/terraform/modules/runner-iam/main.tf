# Two roles for Floe runner tasks on ECS:
# - the task role, used by the runner and its CloudWatch agent sidecar: the warehouse prefix in S3,
#   Floe's topics, groups and the source topics (Amazon MSK IAM, optional), the agent's metric log
#   group and metric namespace;
# - the execution role, used by ECS to start the task: pull the image, write container logs, read
#   the secrets injected as environment variables.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name

  bucket_arn  = "arn:${local.partition}:s3:::${var.warehouse_bucket_name}"
  objects_arn = "${local.bucket_arn}/${var.warehouse_prefix}*"

  log_group_arn         = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.log_group_name}"
  metrics_log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.metrics_log_group_name}"

  # IAM matches a secret by its ARN without the ":json-key:version-stage:version-id" suffix that
  # ECS accepts in valueFrom.
  secret_resources = distinct([
    for arn in var.secret_arns :
    split(":", arn)[2] == "secretsmanager" ? join(":", slice(split(":", arn), 0, 7)) : arn
  ])
  secretsmanager_arns = [for arn in local.secret_resources : arn if split(":", arn)[2] == "secretsmanager"]
  ssm_parameter_arns  = [for arn in local.secret_resources : arn if split(":", arn)[2] == "ssm"]

  # MSK IAM resources: arn:...:cluster/<name>/<uuid> → arn:...:topic/<name>/<uuid>/<topic> and
  # arn:...:group/<name>/<uuid>/<group>.
  msk_task_cluster_arn   = var.msk_cluster_arn
  msk_source_cluster_arn = var.msk_source_cluster_arn != null ? var.msk_source_cluster_arn : var.msk_cluster_arn
  msk_task_topics        = var.msk_cluster_arn == null ? "" : replace(local.msk_task_cluster_arn, ":cluster/", ":topic/")
  msk_task_groups        = var.msk_cluster_arn == null ? "" : replace(local.msk_task_cluster_arn, ":cluster/", ":group/")
  msk_source_topics      = local.msk_source_cluster_arn == null ? "" : replace(local.msk_source_cluster_arn, ":cluster/", ":topic/")

  glue_arn_prefix = "arn:${local.partition}:glue:${local.region}:${local.account_id}"
}

data "aws_iam_policy_document" "assume_by_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS acting for this account may assume the roles (confused deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Task role
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "task" {
  name                 = "${var.name}-task"
  description          = "Floe runner tasks: warehouse objects, Kafka (MSK IAM), metrics"
  assume_role_policy   = data.aws_iam_policy_document.assume_by_ecs_tasks.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "task" {
  # Data files and (through the catalog client's FileIO) metadata; CreateMultipartUpload and
  # UploadPart are authorised by s3:PutObject.
  statement {
    sid = "WarehouseObjects"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [local.objects_arn]
  }

  # Listing the warehouse bucket (orphan-file cleanup, maintenance). Not narrowed by an s3:prefix
  # condition: without an unconditional s3:ListBucket, S3 answers a HEAD of a missing key with 403
  # instead of 404, and Iceberg's "does this file exist yet" check before writing a new metadata
  # or manifest file fails. The bucket is the warehouse's own; reading objects stays limited to
  # the warehouse prefix above.
  statement {
    sid       = "WarehouseList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  # The leading planner lists open multipart uploads to abort abandoned ones; this action has no
  # prefix condition key, so it is granted on the bucket.
  statement {
    sid       = "WarehouseMultipartUploads"
    actions   = ["s3:ListBucketMultipartUploads", "s3:GetBucketLocation"]
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

  # The CloudWatch agent sidecar sends the scraped Prometheus metrics as embedded-metric-format
  # log events; CloudWatch extracts the metrics from them.
  statement {
    sid = "AgentMetricLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [local.metrics_log_group_arn, "${local.metrics_log_group_arn}:*"]
  }

  statement {
    sid       = "AgentMetricData"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }

  dynamic "statement" {
    for_each = var.msk_iam_enabled ? [1] : []

    # Floe's producers are idempotent, which MSK authorises per cluster (WriteDataIdempotently).
    content {
      sid       = "KafkaClusters"
      actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
      resources = distinct([local.msk_task_cluster_arn, local.msk_source_cluster_arn])
    }
  }

  # Floe's own topics, which it creates if missing: tasks are read and re-enqueued, the planner
  # leader topic is consumed by every runner, failed tasks are written to the dead-letter topic;
  # the fleet topics (tenants, tenant state, task events) are written and followed by every runner.
  dynamic "statement" {
    for_each = var.msk_iam_enabled ? [1] : []

    content {
      sid = "KafkaFloeTopics"
      actions = [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:WriteData",
      ]
      resources = [
        for topic in concat([var.task_topic, var.task_dead_letter_topic, var.planner_leader_topic], var.fleet_topics) :
        "${local.msk_task_topics}/${topic}"
      ]
    }
  }

  dynamic "statement" {
    for_each = var.msk_iam_enabled ? [1] : []

    content {
      sid       = "KafkaRecordDeadLetterTopic"
      actions   = ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
      # The default tenant's, and each other tenant's (floe.dlq.NAME), tenants created at runtime among them.
      resources = ["${local.msk_source_topics}/${var.dead_letter_topic}", "${local.msk_source_topics}/${var.dead_letter_topic}.*"]
    }
  }

  # Source topics are only read, at exact offsets (assign and seek, no consumer group).
  dynamic "statement" {
    for_each = var.msk_iam_enabled && length(var.source_topics) > 0 ? [1] : []

    content {
      sid       = "KafkaSourceTopics"
      actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
      resources = [for topic in var.source_topics : "${local.msk_source_topics}/${topic}"]
    }
  }

  dynamic "statement" {
    for_each = var.msk_iam_enabled ? [1] : []

    content {
      sid       = "KafkaRunnerGroups"
      actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
      resources = ["${local.msk_task_groups}/${var.runner_group_id}", "${local.msk_task_groups}/${var.runner_group_id}.planner"]
    }
  }

  dynamic "statement" {
    for_each = length(var.glue_databases) > 0 ? [1] : []

    content {
      sid = "GlueIcebergCatalog"
      actions = [
        "glue:GetCatalog",
        "glue:GetDatabase",
        "glue:GetDatabases",
        "glue:CreateDatabase",
        "glue:GetTable",
        "glue:GetTables",
        "glue:CreateTable",
        "glue:UpdateTable",
      ]
      resources = concat(
        ["${local.glue_arn_prefix}:catalog"],
        [for db in var.glue_databases : "${local.glue_arn_prefix}:database/${db}"],
        [for db in var.glue_databases : "${local.glue_arn_prefix}:table/${db}/*"],
      )
    }
  }

  dynamic "statement" {
    for_each = var.ecs_exec_enabled ? [1] : []

    content {
      sid = "EcsExec"
      actions = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      resources = ["*"]
    }
  }

  lifecycle {
    precondition {
      condition     = !var.msk_iam_enabled || var.msk_cluster_arn != null
      error_message = "msk_iam_enabled needs msk_cluster_arn."
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "floe-runner"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---------------------------------------------------------------------------------------------
# Execution role
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "execution" {
  name                 = "${var.name}-execution"
  description          = "ECS starting Floe runner tasks: image pull, container logs, secrets"
  assume_role_policy   = data.aws_iam_policy_document.assume_by_ecs_tasks.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
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

  dynamic "statement" {
    for_each = length(local.secretsmanager_arns) > 0 ? [1] : []

    content {
      sid       = "Secrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secretsmanager_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) > 0 ? [1] : []

    content {
      sid       = "Parameters"
      actions   = ["ssm:GetParameters"]
      resources = local.ssm_parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "SecretsKmsKeys"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "floe-runner-start"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}
