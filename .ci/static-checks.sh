#!/usr/bin/env bash
# Static checks of the packaging and observability files; no container engine, no cluster:
#   - docker-compose.yml: `docker-compose config` (Debian's docker-compose, v1, needs no engine)
#   - Dockerfiles: the dockerfile-utils linter (npm), plus non-root USER, and COPY sources that
#     exist and that .dockerignore lets into the build context
#   - shell scripts: shellcheck (warnings and errors)
#   - YAML: yamllint on compose, Kubernetes, Prometheus and Grafana files
#   - Kubernetes manifests: schema validation (npm kubernetes-models) and a strict unknown-field
#     check (Debian python3-kubernetes models)
#   - Prometheus: `promtool check config`, `promtool check rules`, `promtool test rules`
#   - Grafana: dashboard JSON structure, and every PromQL query parsed by promtool
# Installs what it needs with apt-get (and npm for the two Node packages) when missing; runs as
# root with no stdin (CI). Exit status 1 when any check fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export DEBIAN_FRONTEND=noninteractive

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v yamllint >/dev/null 2>&1 || need+=(yamllint)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/python3 ] || need+=(python3)
/usr/bin/python3 -c 'import kubernetes, yaml' >/dev/null 2>&1 || need+=(python3-kubernetes python3-yaml)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  # RUNLEVEL=1: install only; no package starts a service (prometheus ships one)
  apt-get update -qq </dev/null && RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null >/dev/null
fi

NODE_PACKAGES="kubernetes-models@5.1.0 yaml@2.9.1 dockerfile-utils@0.16.3"
NODE_DIR=${GAD_CI_NODE_DIR:-${HOME:-/root}/.cache/gad-stats-ci/node}
if [ "$(cat "$NODE_DIR/.packages" 2>/dev/null)" != "$NODE_PACKAGES" ]; then
  mkdir -p "$NODE_DIR"
  # shellcheck disable=SC2086 # one word per package
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --no-save --loglevel=error $NODE_PACKAGES </dev/null >/dev/null \
    && echo "$NODE_PACKAGES" >"$NODE_DIR/.packages"
fi

failed=()
check() { # check NAME COMMAND...: runs one check, prints its output, remembers a failure
  local name=$1; shift
  echo "--- $name"
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; failed+=("$name"); fi
}

compose_config() {
  docker-compose -f docker-compose.yml config -q \
    && docker-compose -f docker-compose.yml --profile observability config --services | sort | tr '\n' ' ' \
    && echo
}

dockerfiles() ( # in a subshell: works inside app/, the build context of the images
  cd app || exit 1
  local ok=0 f out
  for f in src/main/docker/Dockerfile.*; do
    out=$("$NODE_DIR/node_modules/.bin/dockerfile-utils" lint "$f" 2>&1) || ok=1
    if [ -n "$out" ]; then echo "$f:"; echo "$out"; ok=1; fi
    local allowed pattern
    # runs as a non-root user, and copies only files that this repository or the build produces
    grep -Eq '^USER +1001$' "$f" || { echo "$f: no 'USER 1001'"; ok=1; }
    # and what it copies is in the build context that .dockerignore lets through
    while read -r src; do
      case $src in target/*) ;; *) [ -e "$src" ] || { echo "$f: COPY source $src does not exist"; ok=1; } ;; esac
      allowed=1
      while read -r pattern; do
        # shellcheck disable=SC2053 # the .dockerignore entry is a glob
        [[ $src == ${pattern#!} ]] && allowed=0
      done < <(grep '^!' .dockerignore)
      [ $allowed = 0 ] || { echo "$f: COPY source $src is excluded by .dockerignore"; ok=1; }
    done < <(grep -E '^COPY ' "$f" | grep -v -- '--from=' | awk '{print $(NF-1)}')
    [ $ok = 0 ] && echo "ok   app/$f"
  done
  return $ok
)

yaml_lint() {
  yamllint -s -d '{extends: default, rules: {line-length: {max: 140, ignore: deploy/prometheus/tests/}, document-start: disable, truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}}}' \
    docker-compose.yml deploy/kubernetes deploy/prometheus deploy/grafana/provisioning
}

check "docker-compose config" compose_config
check "Dockerfiles" dockerfiles
check "shellcheck" shellcheck -S warning .ci/run .ci/static-checks.sh .ci/production-artifact.sh deploy/*.sh deploy/redis/*.sh bench/*.sh bench/lib/*.sh app/src/main/docker/*.sh
check "yamllint" yaml_lint
check "Kubernetes schemas" node .ci/validate-k8s.mjs deploy/kubernetes "$NODE_DIR/node_modules"
check "Kubernetes known fields" /usr/bin/python3 .ci/k8s-known-fields.py deploy/kubernetes
check "promtool check config" promtool check config deploy/prometheus/prometheus.yml
check "promtool check rules" promtool check rules deploy/prometheus/rules/*.yml
check "promtool test rules" promtool test rules deploy/prometheus/tests/*.yml
check "Grafana dashboards" /usr/bin/python3 .ci/check-dashboards.py deploy/grafana/dashboards

if [ ${#failed[@]} -gt 0 ]; then
  echo "static checks failed: ${failed[*]}"
  exit 1
fi
echo "static checks passed"
