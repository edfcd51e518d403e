#!/usr/bin/env bash
# The consistency checker (docs/consistency.md): three instances of the packaged service behind
# HAProxy on their own Redis topology and their own database, writers (tasks API and straight SQL)
# and readers through the load balancer, a nemesis injecting every fault kind, and a check of
# every read against the history the database recorded.
#
#   bench/consistency/run.sh                       10 minutes on Sentinel (the full run)
#   bench/consistency/run.sh --minutes 2           the short run (CI): 2-3 minutes in all
#   bench/consistency/run.sh --topology cluster    Sentinel (default), cluster or standalone
#   bench/consistency/run.sh --results FILE        append the summary to FILE (default
#                                                  bench/results/consistency.md; --results - : none)
#
# Exits 1 on any violation, or when a fault could not be injected or not shown to have happened;
# 2 when the run itself could not be made. Scratch files in bench/.work/consistency/.
# Environment: CONSISTENCY_DB (gad_consistency), CONSISTENCY_USERS (8), CONSISTENCY_READ_RATE
# (240 reads/s in all), CONSISTENCY_READERS (4), CONSISTENCY_WRITE_RATE (8 writes/s per writer:
# two through the API, two in SQL), CONSISTENCY_MAX_READS (400,000), the bounds
# CONSISTENCY_SQL_BOUND_MS (1000), CONSISTENCY_API_BOUND_MS (1000), CONSISTENCY_FAILOVER_BOUND_MS
# (2000), CONSISTENCY_UNKNOWN_ACK_MS (5000), CONSISTENCY_QUIET_BEFORE_MS (2000),
# CONSISTENCY_QUIET_AFTER_MS (3000), CONSISTENCY_STALL_SECONDS (3),
# CONSISTENCY_WRITE_PHASE_SECONDS (6), CONSISTENCY_JAVA_OPTS, CONSISTENCY_WORK (bench/.work/consistency).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
COMMAND="bench/consistency/run.sh $*"

MINUTES=10
TOPOLOGY=sentinel
RESULTS=bench/results/consistency.md
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --topology) TOPOLOGY=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$TOPOLOGY" in sentinel|cluster|standalone) ;; *) echo "--topology sentinel|cluster|standalone" >&2; exit 2 ;; esac

# ---- tools (Debian packages) ----------------------------------------------------------------------
PY=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import jwt, cryptography, psycopg2' 2>/dev/null; then
    PY=$candidate
    break
  fi
done
missing=()
for tool in java redis-server redis-cli haproxy openssl; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ -n "$PY" ] || missing+=("python3 with jwt, cryptography, psycopg2")
[ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || missing+=("libfaketime")
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install: apt-get install -y redis-server redis-tools haproxy faketime python3-jwt python3-psycopg2 openssl" >&2
  exit 2
fi
export PATH="$PATH:/usr/sbin"
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "PostgreSQL must answer on 127.0.0.1:5432 (user postgres, trust)" >&2
  exit 2
fi

# ---- the packaged service, built only when missing ------------------------------------------------
if [ ! -f app/target/quarkus-app/quarkus-run.jar ]; then
  echo "building the service" >&2
  ./mvnw -B -q package -DskipTests
fi

# ---- keys of this run ------------------------------------------------------------------------------
WORK=${CONSISTENCY_WORK:-$ROOT/bench/.work/consistency}   # give parallel runs their own, and their own CONSISTENCY_DB
rm -rf "$WORK"
mkdir -p "$WORK"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/privateKey.pem" 2>/dev/null
openssl pkey -in "$WORK/privateKey.pem" -pubout -out "$WORK/publicKey.pem"

[ "$RESULTS" = - ] && RESULTS=""
case "$RESULTS" in ""|/*) ;; *) RESULTS="$ROOT/$RESULTS" ;; esac
if [ -n "$RESULTS" ] && [ ! -f "$RESULTS" ]; then
  mkdir -p "$(dirname "$RESULTS")"
  printf '# Consistency checker runs\n\nOne section per run of `bench/consistency/run.sh` (docs/consistency.md), newest last.\n\n' > "$RESULTS"
fi

exec "$PY" bench/consistency/checker.py --root "$ROOT" --work "$WORK" --minutes "$MINUTES" \
  --topology "$TOPOLOGY" ${RESULTS:+--results "$RESULTS"} --command "$COMMAND"
