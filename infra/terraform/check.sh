#!/usr/bin/env bash
# Offline checks of the Terraform here, without a terraform binary: every file parses, every
# variable and output is typed, described and listed in its README, versions are pinned, and
# references and module calls resolve. See tools/check-terraform.mjs for the full list.
#
#   infra/terraform/check.sh [DIR]      # DIR defaults to this directory
#
# Needs Node.js 18+. The HCL parser (npm @cdktf/hcl2json) is installed once into
# ${FLOE_TOOLS_DIR:-$HOME/.cache/floe-tools}; later runs need no network.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$(cd "${1:-$here}" && pwd)"
tools="${FLOE_TOOLS_DIR:-$HOME/.cache/floe-tools}"
hcl2json_version="0.21.0"

if ! command -v node >/dev/null 2>&1; then
  echo "check.sh: needs Node.js 18 or newer (node not found)" >&2
  exit 2
fi

if [[ ! -f "$tools/node_modules/@cdktf/hcl2json/package.json" ]]; then
  echo "check.sh: installing @cdktf/hcl2json@$hcl2json_version into $tools (once)" >&2
  mkdir -p "$tools"
  npm install --no-audit --no-fund --silent --prefix "$tools" "@cdktf/hcl2json@$hcl2json_version" >&2
fi

exec node "$here/tools/check-terraform.mjs" "$target" "$tools/node_modules"
