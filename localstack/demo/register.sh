#!/usr/bin/env bash
# Demo, step 2 (runs in the Floe image): register the demo topic as a table through a runner's
# admin API, then wait until the table holds the demo records.
set -euo pipefail

api="${DEMO_API:-http://runner:8080}"
table="${DEMO_TABLE:-demo.events}"
topic="${DEMO_TOPIC:-demo-events}"
records="${DEMO_RECORDS:-1000}"
timeout_s="${DEMO_TIMEOUT_SECONDS:-300}"

body=$(printf '{"table":"%s","topic":"%s"}' "$table" "$topic")
reply=$(mktemp)
code=$(curl -sS -o "$reply" -w '%{http_code}' -H 'content-type: application/json' \
  -X POST --data "$body" "$api/api/v1/tables")
if [[ "$code" != 200 && "$code" != 201 ]]; then
  echo "demo: registering $table failed: HTTP $code $(cat "$reply")" >&2
  exit 1
fi
echo "demo: registered topic $topic as table $table"

deadline=$((SECONDS + timeout_s))
rows=0
while ((SECONDS < deadline)); do
  status=$(curl -fsS "$api/api/v1/tables/$table" || true)
  rows=$(sed -n 's/.*"row-count" *: *\([0-9][0-9]*\).*/\1/p' <<<"$status")
  rows=${rows:-0}
  if ((rows >= records)); then
    echo "demo: $table has $rows rows"
    echo "$status"
    exit 0
  fi
  echo "demo: $table has $rows of $records rows so far"
  sleep 3
done
echo "demo: $table still has $rows rows after ${timeout_s}s; last status: ${status:-none}" >&2
exit 1
