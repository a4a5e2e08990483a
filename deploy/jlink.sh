#!/usr/bin/env bash
# Builds a small Java runtime for the gateway with jlink: only the JDK modules cairn.jar uses.
# Usage: deploy/jlink.sh [OUTPUT_DIR [TARGET_JMODS_DIR]]   (default output: deploy/target/runtime)
# Needs a JDK 17+ (jlink, jdeps) and edge-runtime/target/cairn.jar (mvn -B -q package -DskipTests).
# TARGET_JMODS_DIR cross-links for another platform: the jmods directory of a JDK 17 for that platform
# (e.g. Debian's openjdk-17-jdk-headless:arm64, unpacked: usr/lib/jvm/java-17-openjdk-arm64/jmods).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/../edge-runtime/target/cairn.jar"
out="${1:-$here/target/runtime}"
jmods="${2:-}"
[ -f "$jar" ] || { echo "jlink.sh: $jar is missing; build it first: mvn -B -q package -DskipTests" >&2; exit 2; }
modules="$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 "$jar")"
# jdk.crypto.ec and jdk.localedata are used by reflection (TLS, DTLS, locale data) and jdeps cannot see them.
modules="$modules,jdk.crypto.ec,jdk.localedata"
options=(--no-man-pages --no-header-files --compress=2)
if [ -n "$jmods" ]; then
  [ -f "$jmods/java.base.jmod" ] || { echo "jlink.sh: $jmods holds no java.base.jmod; give the jmods directory of the target platform's JDK 17" >&2; exit 2; }
  # This machine's strip cannot read another platform's native libraries: strip only Java debug data.
  options+=(--module-path "$jmods" --strip-java-debug-attributes)
else
  options+=(--strip-debug)
fi
rm -rf "$out"
jlink --add-modules "$modules" "${options[@]}" --output "$out"
echo "runtime in $out ($(du -sh "$out" | cut -f1)); modules: $modules"
echo "run: $out/bin/java --add-modules jdk.incubator.vector -jar $jar run"
