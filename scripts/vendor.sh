#!/usr/bin/env bash
# Re-fetch the console's front-end libraries from their npm packages into server/static/vendor/.
# Halls run offline: these files ship with the project and are never loaded from a CDN at run time.
# Needs npm (Debian: apt-get install npm). Change a version here, run this, and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."

HTMX=2.0.11     # htmx.org (Zero-Clause BSD)
ECHARTS=6.1.0   # echarts (Apache-2.0)

out=server/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$HTMX" "echarts@$ECHARTS" >/dev/null)
for tgz in "$tmp"/*.tgz; do
  mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"
done
htmx="$tmp/htmx.org-$HTMX/package"
echarts="$tmp/echarts-$ECHARTS/package"

mkdir -p "$out"
cp "$htmx/dist/htmx.min.js" "$out/htmx.min.js"
cp "$htmx/LICENSE" "$out/htmx.LICENSE"
cp "$echarts/dist/echarts.min.js" "$out/echarts.min.js"
cp "$echarts/LICENSE" "$out/echarts.LICENSE"
cp "$echarts/NOTICE" "$out/echarts.NOTICE"
cp "$echarts/licenses/LICENSE-d3" "$out/echarts.LICENSE-d3"
{
  echo "# The console's front-end libraries, copied from their npm packages by scripts/vendor.sh"
  echo "htmx.org $HTMX  $(sha256sum "$out/htmx.min.js" | cut -d' ' -f1)  htmx.min.js  (Zero-Clause BSD: htmx.LICENSE)"
  echo "echarts $ECHARTS  $(sha256sum "$out/echarts.min.js" | cut -d' ' -f1)  echarts.min.js  (Apache-2.0: echarts.LICENSE, echarts.NOTICE, echarts.LICENSE-d3)"
} > "$out/VERSIONS"
cat "$out/VERSIONS"
