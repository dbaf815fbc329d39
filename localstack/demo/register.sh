#!/usr/bin/env bash
# Demo, step 2 (runs in the Floe image): get a token for the demo tenant's client from the
# catalog's token endpoint, register the demo topic as a table through a runner's admin API with
# it, then wait until the table holds the demo records. Everything over HTTPS, trusting DEMO_CA.
set -euo pipefail

api="${DEMO_API:-https://runner:8080}"
catalog="${DEMO_CATALOG:-https://catalog:8181}"
ca="${DEMO_CA:-/secrets/ca.pem}"
client="${DEMO_CLIENT:-demo}"
secret_file="${DEMO_SECRET_FILE:-/secrets/demo.secret}"
table="${DEMO_TABLE:-demo.events}"
topic="${DEMO_TOPIC:-demo-events}"
records="${DEMO_RECORDS:-1000}"
timeout_s="${DEMO_TIMEOUT_SECONDS:-300}"

# OAuth2 client credentials; the secret goes in the request body from its file, never on a command line.
# (from stdin, without the file's final newline).
token_reply=$(printf '%s' "$(cat "$secret_file")" | curl -fsS --cacert "$ca" --data-urlencode grant_type=client_credentials \
  --data-urlencode "client_id=$client" --data-urlencode "client_secret@-" \
  --data-urlencode scope=catalog "$catalog/v1/oauth/tokens")
token=$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' <<<"$token_reply")
if [[ -z "$token" ]]; then
  echo "demo: the token endpoint gave no token" >&2
  exit 1
fi
auth=(--cacert "$ca" -H "authorization: Bearer $token")

body=$(printf '{"table":"%s","topic":"%s"}' "$table" "$topic")
reply=$(mktemp)
code=$(curl -sS "${auth[@]}" -o "$reply" -w '%{http_code}' -H 'content-type: application/json' \
  -X POST --data "$body" "$api/api/v1/tables")
if [[ "$code" != 200 && "$code" != 201 ]]; then
  echo "demo: registering $table failed: HTTP $code $(cat "$reply")" >&2
  exit 1
fi
echo "demo: registered topic $topic as table $table"

deadline=$((SECONDS + timeout_s))
rows=0
while ((SECONDS < deadline)); do
  status=$(curl -fsS "${auth[@]}" "$api/api/v1/tables/$table" || true)
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
