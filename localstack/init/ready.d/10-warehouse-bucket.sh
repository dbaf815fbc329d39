#!/usr/bin/env bash
# LocalStack READY hook: the `warehouse` bucket Floe writes Iceberg tables to.
# Idempotent: safe on every start and when run again by hand
#   docker compose -f localstack/docker-compose.yml exec localstack \
#     bash /etc/localstack/init/ready.d/10-warehouse-bucket.sh
set -euo pipefail

bucket="${WAREHOUSE_BUCKET:-warehouse}"
region="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$region"

if awslocal s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  echo "warehouse-bucket: s3://$bucket already exists"
else
  if [[ "$region" == "us-east-1" ]]; then
    awslocal s3api create-bucket --bucket "$bucket" >/dev/null
  else
    awslocal s3api create-bucket --bucket "$bucket" \
      --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  fi
  echo "warehouse-bucket: created s3://$bucket in $region"
fi

# Runners killed mid-file leave incomplete multipart uploads behind (Floe's leading planner also
# aborts them after s3.multipart.abandoned-after-ms); S3 drops whatever is left after a day.
# Putting the configuration replaces any previous one, so running this again changes nothing.
awslocal s3api put-bucket-lifecycle-configuration --bucket "$bucket" \
  --lifecycle-configuration '{
    "Rules": [
      {
        "ID": "abort-incomplete-multipart-uploads",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}
      }
    ]
  }'
echo "warehouse-bucket: lifecycle rule on s3://$bucket: abort incomplete multipart uploads after 1 day"
