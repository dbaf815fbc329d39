#!/usr/bin/env bash
# Offline checks of the container dev stack; needs no Docker engine and no network (except to
# install docker-compose the first time). Runs from any directory:
#
#   localstack/check.sh
#
# 1. docker-compose.yml is valid (Debian's docker-compose v1: `docker-compose config -q`).
# 2. The Floe services' environment (catalog, runner) follows the conventions the end-to-end
#    test relies on: plain KEY: value maps, literal values (no anchors, aliases or ${VAR}),
#    services addressed as kafka:9092, localstack:4566, postgres:5432, catalog:8181, and every
#    FLOE_* variable maps to a key documented in README.md or catalog/README.md.
# 3. Every init hook (init/*.d/*) passes `bash -n` and is executable; the demo scripts parse.
# 4. The Dockerfile has a non-root USER, a HEALTHCHECK and an ENTRYPOINT.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
compose_file="$here/docker-compose.yml"
dockerfile="$root/Dockerfile"

problems=()
fail() { problems+=("$1"); echo "check.sh: FAIL: $1" >&2; }

# --- docker-compose --------------------------------------------------------------------------
if ! command -v docker-compose >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "check.sh: installing Debian's docker-compose (apt-get install -y docker-compose)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q docker-compose >/dev/null 2>&1; then
      apt-get update -q >/dev/null
      apt-get install -y -q docker-compose >/dev/null
    fi
  else
    echo "check.sh: docker-compose is not installed. Install Debian's package" \
         "(sudo apt-get install -y docker-compose) or run this script as root." >&2
    exit 2
  fi
fi
compose_version="$(docker-compose version --short 2>/dev/null || echo unknown)"

# --- 1. compose file -------------------------------------------------------------------------
if [[ ! -f "$compose_file" ]]; then
  fail "missing $compose_file"
elif ! out="$(docker-compose -f "$compose_file" config -q 2>&1)"; then
  fail "docker-compose config rejects $compose_file: $out"
fi

# --- 2. Floe environment conventions ---------------------------------------------------------
# Debian's python3 has PyYAML whenever docker-compose is installed (python3-yaml is its dependency).
python=/usr/bin/python3
[[ -x "$python" ]] || python=python3
env_keys=0
if [[ -f "$compose_file" ]]; then
  if out="$("$python" - "$compose_file" "$root/README.md" "$root/catalog/README.md" 2>&1 <<'PY'
import re
import sys

import yaml

compose_path, *doc_paths = sys.argv[1:]
text = open(compose_path, encoding="utf-8").read()
errors = []

# Anchors, aliases and merge keys: the end-to-end test reads the file with a plain YAML parser.
for event in yaml.parse(text):
    if isinstance(event, yaml.AliasEvent):
        errors.append("YAML alias *%s (no anchors/aliases/merge keys)" % event.anchor)
    elif getattr(event, "anchor", None):
        errors.append("YAML anchor &%s (no anchors/aliases/merge keys)" % event.anchor)
if "<<:" in text:
    errors.append("YAML merge key <<: (no anchors/aliases/merge keys)")

documented, prefixes = set(), set()
for path in doc_paths:
    for token in re.findall(r"`([a-z0-9][a-z0-9.*_-]*)`", open(path, encoding="utf-8").read()):
        if token.endswith(".*"):
            prefixes.add(token[:-1])
        else:
            documented.add(token)

# Read by the image (launcher, HEALTHCHECK), not by Floe's configuration.
image_variables = {"FLOE_HEALTH_PORT", "FLOE_HEALTH_SCHEME", "FLOE_JAVA_OPTS"}
service_ports = {"kafka": "9092", "localstack": "4566", "postgres": "5432", "catalog": "8181"}

def key_of(name):
    # FLOE_X_FILE sets key x from a file (ConfigSource); FLOE_X__FILE is key x-file itself.
    if name.endswith("_FILE") and not name.endswith("__FILE"):
        name = name[: -len("_FILE")]
    rest = name[len("FLOE_"):].lower()
    return rest.replace("__", "\0").replace("_", ".").replace("\0", "-")

services = (yaml.safe_load(text) or {}).get("services", {})
count = 0
for name in ("catalog", "runner"):
    service = services.get(name)
    if service is None:
        errors.append("service %s is missing" % name)
        continue
    env = service.get("environment")
    if not isinstance(env, dict):
        errors.append("%s: environment must be a KEY: value map" % name)
        continue
    for var, value in env.items():
        count += 1
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            errors.append("%s: %s must be a string (quote it), got %r" % (name, var, value))
            continue
        value = str(value)
        if "$" in value:
            errors.append("%s: %s uses interpolation: %s" % (name, var, value))
        if "localhost" in value or "127.0.0.1" in value:
            errors.append("%s: %s points at the container itself: %s" % (name, var, value))
        for host, port in re.findall(r"\b(kafka|localstack|postgres|catalog):(\d+)", value):
            if service_ports[host] != port:
                errors.append("%s: %s uses %s:%s, expected %s:%s" % (name, var, host, port, host, service_ports[host]))
        if not var.startswith("FLOE_"):
            errors.append("%s: %s is not a FLOE_ variable" % (name, var))
        elif var not in image_variables:
            key = key_of(var)
            if key not in documented and not any(key.startswith(p) for p in prefixes):
                errors.append("%s: %s maps to %s, which README.md and catalog/README.md do not document" % (name, var, key))

for error in errors:
    print(error)
print("keys=%d" % count)
sys.exit(1 if errors else 0)
PY
  )"; then
    env_keys="${out##*keys=}"
  else
    while IFS= read -r line; do
      [[ "$line" == keys=* || -z "$line" ]] || fail "$line"
    done <<<"$out"
  fi
fi

# --- 3. init hooks and demo scripts ----------------------------------------------------------
hooks=0
shopt -s nullglob
for hook in "$here"/init/*.d/*; do
  [[ -f "$hook" ]] || continue
  hooks=$((hooks + 1))
  rel="${hook#"$root"/}"
  if ! out="$(bash -n "$hook" 2>&1)"; then
    fail "$rel: syntax error: $out"
  fi
  if [[ ! -x "$hook" ]]; then
    fail "$rel is not executable (LocalStack skips it): chmod +x it and git add --chmod=+x it"
  fi
done
for script in "$here"/demo/*.sh; do
  if ! out="$(bash -n "$script" 2>&1)"; then
    fail "${script#"$root"/}: syntax error: $out"
  fi
done
shopt -u nullglob
if ((hooks == 0)); then
  fail "no init hooks under localstack/init/*.d/"
fi

# --- 4. Dockerfile ---------------------------------------------------------------------------
user="none"
if [[ ! -f "$dockerfile" ]]; then
  fail "missing $dockerfile"
else
  user="$(grep -E '^[[:space:]]*USER[[:space:]]+' "$dockerfile" | tail -n 1 | awk '{print $2}' || true)"
  if [[ -z "$user" ]]; then
    fail "Dockerfile has no USER (the image would run as root)"
  elif [[ "${user%%:*}" == "root" || "${user%%:*}" == "0" ]]; then
    fail "Dockerfile's final USER is root ($user)"
  fi
  grep -Eq '^[[:space:]]*HEALTHCHECK[[:space:]]+' "$dockerfile" || fail "Dockerfile has no HEALTHCHECK"
  grep -Eq '^[[:space:]]*ENTRYPOINT[[:space:]]+' "$dockerfile" || fail "Dockerfile has no ENTRYPOINT"
fi

if ((${#problems[@]} > 0)); then
  echo "check.sh: FAILED: ${#problems[@]} problem(s)"
  exit 1
fi
echo "check.sh: OK: compose file valid (docker-compose $compose_version), Floe env of catalog+runner" \
     "($env_keys variables) literal and documented, $hooks init hook(s) parse and are executable," \
     "Dockerfile has USER $user, HEALTHCHECK, ENTRYPOINT"
