#!/usr/bin/env bash
# Builds a small Java runtime for the gateway with jlink: only the JDK modules cairn.jar uses.
# Usage: deploy/jlink.sh [OUTPUT_DIR]   (default: deploy/target/runtime). Needs a JDK 17+ (jlink, jdeps)
# and edge-runtime/target/cairn.jar (mvn -B -q package -DskipTests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/../edge-runtime/target/cairn.jar"
out="${1:-$here/target/runtime}"
[ -f "$jar" ] || { echo "jlink.sh: $jar is missing; build it first: mvn -B -q package -DskipTests" >&2; exit 2; }
modules="$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 "$jar")"
# jdk.crypto.ec and jdk.localedata are used by reflection (TLS, DTLS, locale data) and jdeps cannot see them.
modules="$modules,jdk.crypto.ec,jdk.localedata"
rm -rf "$out"
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out"
echo "runtime in $out ($(du -sh "$out" | cut -f1)); modules: $modules"
echo "run: $out/bin/java --add-modules jdk.incubator.vector -jar $jar run"
