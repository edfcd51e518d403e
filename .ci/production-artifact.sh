#!/usr/bin/env bash
# The packaged application carries nothing of the local services that dev mode and the tests use
# (module local-services: embedded PostgreSQL and Redis, the dev-mode config source). Run after
# the build (`./mvnw verify` or `package`), which produces app/target/quarkus-app; checks the native
# executable too when one was built. Exit status 1 when anything of it is found.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

APP=${APP:-app/target/quarkus-app}
# Jars of the local services and of what they bring (zonky's embedded PostgreSQL and its binaries,
# codemonstur's embedded Redis and its Jedis client).
JARS='gad-stats-local-services|embedded-postgres|embedded-redis|zonky|codemonstur|jedis'
# Their classes and services, as they appear in class files, service files and native images.
CLASSES='com[/.]gad[/.]stats[/.](localservices|devinfra)|io[/.]zonky|redis[/.]embedded'

if [ ! -d "$APP/lib/main" ]; then
  echo "no $APP: build the application first (./mvnw -B verify)"
  exit 1
fi

failed=0
report() { echo "FAIL $*"; failed=1; }

found=$(find "$APP/lib" -name '*.jar' -printf '%f\n' | grep -E "$JARS")
[ -z "$found" ] || report "$APP/lib carries: $found"
grep -Eq "$JARS" "$APP/quarkus-app-dependencies.txt" && report "$APP/quarkus-app-dependencies.txt lists: $(grep -E "$JARS" "$APP/quarkus-app-dependencies.txt")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for jar in "$APP"/app/*.jar "$APP"/quarkus/*.jar; do
  dir="$work/$(basename "$jar")" abs=$(realpath -- "$jar")
  mkdir -p "$dir" && (cd "$dir" && jar xf "$abs") || { report "cannot read $jar"; continue; }
  hits=$(grep -rlaE "$CLASSES" "$dir" | sed "s#^$dir/##")
  [ -z "$hits" ] || report "$jar refers to the local services in: $hits"
done

for runner in "${APP%/quarkus-app}"/*-runner; do
  [ -e "$runner" ] || continue
  grep -qaE "$CLASSES" "$runner" && report "native executable $runner contains classes of the local services"
done

if [ $failed = 0 ]; then
  echo "production artifact clean: $(find "$APP/lib/main" -name '*.jar' | wc -l) jars in $APP/lib/main, no local services"
fi
exit $failed
