#!/usr/bin/env bash
# Installs a Cairn gateway on a Debian-based gateway (amd64 or arm64), as root:
#   deploy/install.sh [path/to/cairn.jar] [path/to/runtime]
# Creates the cairn user, /opt/cairn (jar and runtime), /etc/cairn/gateway.yaml (if absent: the hardened
# deploy/gateway.hardened.yaml, with its TLS certificate, password file and admin token), /var/lib/cairn
# (owner-only), and enables the systemd unit. Run deploy/jlink.sh first for the runtime.
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
cairn() { "$runtime/bin/java" -jar "$jar" "$@"; }
if [ ! -f /etc/cairn/gateway.yaml ]; then
  # The hardened example (SECURITY.md): MQTT over TLS with device passwords, no plain MQTT or CoAP, admin API
  # on loopback with a token. The files it names are made here, owned by cairn and owner-only.
  sed "s/^gatewayId: .*/gatewayId: $(hostname -s)/" "$here/gateway.hardened.yaml" > /etc/cairn/gateway.yaml
  chmod 0640 /etc/cairn/gateway.yaml
  chgrp cairn /etc/cairn/gateway.yaml
  install -d -m 0700 -o cairn -g cairn /etc/cairn/tls
  if [ ! -f /etc/cairn/tls/gateway.key ]; then
    names=(--name "$(hostname -s)" --name localhost --name 127.0.0.1)
    fqdn=$(hostname -f 2>/dev/null || true)
    [ -n "$fqdn" ] && [ "$fqdn" != "$(hostname -s)" ] && names+=(--name "$fqdn")
    cairn credentials tls-cert --cert /etc/cairn/tls/gateway.pem --key /etc/cairn/tls/gateway.key "${names[@]}"
  fi
  if [ ! -f /etc/cairn/passwords ]; then
    install -m 0600 -o cairn -g cairn /dev/null /etc/cairn/passwords
  fi
  [ -f /etc/cairn/admin.token ] || cairn credentials admin-token --file /etc/cairn/admin.token
  chown cairn:cairn /etc/cairn/tls/gateway.pem /etc/cairn/tls/gateway.key /etc/cairn/admin.token
  echo "installed the hardened /etc/cairn/gateway.yaml: add devices with"
  echo "  /opt/cairn/runtime/bin/java -jar /opt/cairn/cairn.jar credentials add DEVICE --file /etc/cairn/passwords"
  echo "and give them /etc/cairn/tls/gateway.pem to trust (or replace it and its key with certificates of your own CA)"
fi
install -m 0644 "$here/cairn.service" /etc/systemd/system/cairn.service
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now cairn.service
  echo "cairn.service enabled; status: systemctl status cairn; logs: journalctl -u cairn"
else
  echo "installed; systemd is not running here: start with /opt/cairn/runtime/bin/java -jar /opt/cairn/cairn.jar run --config /etc/cairn/gateway.yaml --data-dir /var/lib/cairn"
fi
