#!/usr/bin/env bash
# The test command: unit tests, then integration tests against real services on this machine
# (a KRaft broker in the test JVM, embedded PostgreSQL, TimescaleDB from scripts/timescaledb.sh).
# On a fresh Debian 12 machine as root it installs and starts what it needs. Extra arguments go to Maven.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

command -v mvn >/dev/null || { echo "test: Maven is missing (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "test: a JDK 17+ is missing (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

# PgBouncer for the collector's pooler tests (Debian's package; the tests start their own).
if ! [ -x /usr/sbin/pgbouncer ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing pgbouncer" >&2
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends pgbouncer >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends pgbouncer >/dev/null; })
  else
    echo "test: PgBouncer is missing (apt-get install pgbouncer)" >&2; exit 1
  fi
fi

# TimescaleDB for the sink and end-to-end tests (builds its Debian 13 root on first use).
started_tsdb=0
if ! scripts/timescaledb.sh status >/dev/null 2>&1; then
  scripts/timescaledb.sh start
  started_tsdb=1
fi
stop_tsdb() { if [ "$started_tsdb" = 1 ]; then scripts/timescaledb.sh stop || true; fi; }
trap stop_tsdb EXIT

mvn -B -ntp verify "$@"
