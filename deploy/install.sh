#!/usr/bin/env bash
# Installs a Cairn gateway on a Debian-based gateway (amd64 or arm64), as root:
#   deploy/install.sh [path/to/cairn.jar] [path/to/runtime]
# Creates the cairn user, /opt/cairn (jar and runtime), /etc/cairn/gateway.yaml (embedded defaults, if
# absent), /var/lib/cairn (owner-only), and enables the systemd unit. Run deploy/jlink.sh first for the runtime.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="${1:-$here/../edge-runtime/target/cairn.jar}"
runtime="${2:-$here/target/runtime}"
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 2; }
[ -f "$jar" ] || { echo "install.sh: $jar is missing (mvn -B -q package -DskipTests)" >&2; exit 2; }
[ -x "$runtime/bin/java" ] || { echo "install.sh: no Java runtime in $runtime (run deploy/jlink.sh)" >&2; exit 2; }
id cairn >/dev/null 2>&1 || useradd --system --home-dir /var/lib/cairn --shell /usr/sbin/nologin cairn
install -d -m 0755 /opt/cairn /etc/cairn
install -d -m 0700 -o cairn -g cairn /var/lib/cairn
install -m 0644 "$jar" /opt/cairn/cairn.jar
rm -rf /opt/cairn/runtime && cp -a "$runtime" /opt/cairn/runtime
[ -f "$here/../README.md" ] && install -m 0644 "$here/../README.md" /opt/cairn/README.md
if [ ! -f /etc/cairn/gateway.yaml ]; then
  printf '# Every setting is optional; see /opt/cairn/README.md ("Configuration").\ngatewayId: %s\n' "$(hostname -s)" > /etc/cairn/gateway.yaml
  chmod 0640 /etc/cairn/gateway.yaml
  chgrp cairn /etc/cairn/gateway.yaml
fi
install -m 0644 "$here/cairn.service" /etc/systemd/system/cairn.service
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now cairn.service
  echo "cairn.service enabled; status: systemctl status cairn; logs: journalctl -u cairn"
else
  echo "installed; systemd is not running here: start with /opt/cairn/runtime/bin/java -jar /opt/cairn/cairn.jar run --config /etc/cairn/gateway.yaml --data-dir /var/lib/cairn"
fi
