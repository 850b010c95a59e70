#!/usr/bin/env bash
# Real TimescaleDB server for Headroom tests and local use, without Docker.
#
# Debian 12 ships no TimescaleDB package, but Debian 13 (trixie) does
# (postgresql-17-timescaledb). So on first use this script debootstraps a
# minimal trixie root into a cache directory OUTSIDE the repository, installs
# PostgreSQL 17 + TimescaleDB into it, and afterwards runs the server from that
# root via chroot. The data directory also lives inside the root, so the whole
# thing is one cached folder that `destroy` removes.
#
# Usage: scripts/timescaledb.sh start|stop|status|url|destroy
#
# Environment:
#   HEADROOM_TSDB_ROOT  root directory   (default /var/cache/headroom/tsdb-trixie)
#   HEADROOM_TSDB_PORT  TCP port         (default 55433, listens on 127.0.0.1 only)
#
# Needs root (debootstrap, chroot). Exit codes: 0 ok; `status` exits 3 when stopped.
set -euo pipefail

ROOT=${HEADROOM_TSDB_ROOT:-/var/cache/headroom/tsdb-trixie}
PORT=${HEADROOM_TSDB_PORT:-55433}
DB=headroom
MIRROR=http://deb.debian.org/debian
SUITE=trixie
PG_MAJOR=17

# Paths as seen from INSIDE the root.
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
BASE_DIR=/var/lib/headroom-tsdb
DATA_DIR=$BASE_DIR/data
LOG_FILE=$BASE_DIR/postgresql.log
SOCKET_DIR=/run/postgresql

READY_MARKER=.headroom-ready # written into the root as the last build step
PARTIAL=$ROOT.partial        # the build happens here, then is renamed to $ROOT
LOCK_FILE=$ROOT.lock

log() { printf 'timescaledb: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Seconds since $1 (a `date +%s.%N` value), one decimal.
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1fs", e - s }'; }

usage() {
    echo "usage: $0 start|stop|status|url|destroy" >&2
    exit 2
}

# --- safety helpers ----------------------------------------------------------

check_config() {
    [[ $ROOT == /* && $ROOT != / ]] || die "HEADROOM_TSDB_ROOT must be an absolute path other than / (got '$ROOT')"
    if ! [[ $PORT =~ ^[0-9]+$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
        die "HEADROOM_TSDB_PORT must be a port number (got '$PORT')"
    fi
}

need_root() {
    ((EUID == 0)) || die "must run as root (uses debootstrap and chroot)"
}

# Serialise concurrent invocations (e.g. parallel test runs calling `start`).
take_lock() {
    mkdir -p "$(dirname "$ROOT")"
    exec 9>"$LOCK_FILE"
    flock 9
}

# Unmount anything still mounted at or below $1 (e.g. /proc left over from a
# killed build), so that removing the directory cannot reach into the host.
unmount_below() {
    local dir mnt
    dir=$(realpath -m "$1")
    # Deepest first; /proc/mounts escapes spaces as \040, our paths have none.
    while read -r mnt; do
        umount "$mnt" 2>/dev/null || umount -l "$mnt"
    done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
}

remove_tree() {
    [[ -e $1 ]] || return 0
    unmount_below "$1"
    # --one-file-system: belt and braces against a mount we failed to detach.
    rm -rf --one-file-system "$1"
}

root_ready() { [[ -f $ROOT/$READY_MARKER ]]; }

# --- building the root -------------------------------------------------------

PROC_MOUNTED=
cleanup() {
    if [[ -n $PROC_MOUNTED ]]; then
        umount "$PROC_MOUNTED" 2>/dev/null || umount -l "$PROC_MOUNTED" 2>/dev/null || true
        PROC_MOUNTED=
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so the EXIT trap also runs on Ctrl-C / kill

ensure_debootstrap() {
    command -v debootstrap >/dev/null && return 0
    log "installing debootstrap on the host"
    if ! apt-get install -y debootstrap >/dev/null 2>&1; then
        apt-get update >/dev/null
        apt-get install -y debootstrap >/dev/null
    fi
}

build_root() {
    local t0 build_log=$ROOT.build.log
    t0=$(date +%s.%N)
    ensure_debootstrap
    log "building Debian 13 root in $ROOT (first run, ~1-2 min; log: $build_log)"
    remove_tree "$PARTIAL"
    : >"$build_log"

    if ! debootstrap --variant=minbase "$SUITE" "$PARTIAL" "$MIRROR" >>"$build_log" 2>&1; then
        tail -n 20 "$build_log" >&2
        die "debootstrap failed (full log: $build_log)"
    fi

    # Keep apt from starting services inside the root.
    printf '#!/bin/sh\nexit 101\n' >"$PARTIAL/usr/sbin/policy-rc.d"
    chmod 755 "$PARTIAL/usr/sbin/policy-rc.d"
    # Skip docs, man pages and translations of the packages installed next.
    cat >"$PARTIAL/etc/dpkg/dpkg.cfg.d/90-headroom-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF

    # apt/dpkg maintainer scripts want /proc; mounted only for this step.
    mount -t proc proc "$PARTIAL/proc"
    PROC_MOUNTED=$PARTIAL/proc

    local apt=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
        apt-get -y -q -o Dpkg::Options::=--force-confold --no-install-recommends)
    if ! {
        chroot "$PARTIAL" "${apt[@]}" update &&
            # postgresql-common first, so we can stop postgresql-17's postinst
            # from creating the default "main" cluster we would never use.
            chroot "$PARTIAL" "${apt[@]}" install postgresql-common &&
            sed -i 's/^#* *create_main_cluster *=.*/create_main_cluster = false/' \
                "$PARTIAL/etc/postgresql-common/createcluster.conf" &&
            chroot "$PARTIAL" "${apt[@]}" install "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-timescaledb" &&
            chroot "$PARTIAL" "${apt[@]}" clean
    } >>"$build_log" 2>&1; then
        tail -n 20 "$build_log" >&2
        die "installing PostgreSQL/TimescaleDB in the root failed (full log: $build_log)"
    fi

    cleanup # unmount /proc
    rm -rf "$PARTIAL"/var/lib/apt/lists/* # re-fetched by apt-get update if ever needed
    date -u +%FT%TZ >"$PARTIAL/$READY_MARKER"
    mv "$PARTIAL" "$ROOT"
    log "root built ($(du -sh "$ROOT" | cut -f1), $(elapsed "$t0"))"
}

ensure_root() {
    root_ready && return 0
    if [[ -e $ROOT ]]; then
        # Builds happen in $PARTIAL and are renamed only when complete, so an
        # unmarked $ROOT is not ours: refuse rather than delete it.
        die "$ROOT exists but is not a finished TimescaleDB root ($READY_MARKER missing); remove it or set HEADROOM_TSDB_ROOT"
    fi
    build_root
}

# --- running things inside the root ------------------------------------------

PG_UID=''
PG_GID=''
pg_ids() {
    [[ -n $PG_UID ]] && return 0
    # Numeric ids from the root's passwd: the host may have no (or another)
    # user with that name, so names must never be resolved on the host.
    IFS=: read -r _ _ PG_UID PG_GID _ < <(grep '^postgres:' "$ROOT/etc/passwd") ||
        die "no postgres user in $ROOT/etc/passwd"
}

# Run a command inside the root as its postgres user with a clean environment.
# fd 9 (the lock) is closed: a server started from here would otherwise inherit
# it and hold the lock for its whole life, blocking every later invocation.
as_postgres() {
    pg_ids
    chroot --userspec="$PG_UID:$PG_GID" "$ROOT" \
        env -i HOME=/var/lib/postgresql PATH="$PG_BIN:/usr/bin:/bin" LANG=C.UTF-8 \
        PGHOST="$SOCKET_DIR" PGPORT="$PORT" PGUSER=postgres "$@" 9>&-
}

is_running() {
    [[ -f $ROOT$DATA_DIR/PG_VERSION ]] || return 1
    as_postgres pg_ctl -D "$DATA_DIR" status >/dev/null 2>&1
}

# Port the running server was started with (line 4 of postmaster.pid).
running_port() { sed -n 4p "$ROOT$DATA_DIR/postmaster.pid" 2>/dev/null; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

ensure_cluster() {
    [[ -f $ROOT$DATA_DIR/PG_VERSION ]] && return 0
    local t0
    t0=$(date +%s.%N)
    log "initialising cluster in $ROOT$DATA_DIR"
    pg_ids
    rm -rf "${ROOT:?}$DATA_DIR" # a half-initialised dir from an interrupted initdb
    mkdir -p "$ROOT$BASE_DIR"
    chown "$PG_UID:$PG_GID" "$ROOT$BASE_DIR"
    chmod 700 "$ROOT$BASE_DIR"
    # Trust auth: this is a throwaway test/dev server bound to 127.0.0.1 only.
    as_postgres initdb -D "$DATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$ROOT$DATA_DIR/postgresql.conf" <<EOF

# --- added by scripts/timescaledb.sh (Headroom test server) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKET_DIR'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
# /dev/shm in the root is a plain directory, not tmpfs: use SysV shared memory.
dynamic_shared_memory_type = sysv
huge_pages = off
# Test server: losing the last few commits on an OS crash is acceptable.
synchronous_commit = off
# The port is passed on the command line at start (HEADROOM_TSDB_PORT).
EOF
    cat >"$ROOT$DATA_DIR/pg_hba.conf" <<'EOF'
# Test/dev server only: trust everyone who can reach the socket or 127.0.0.1.
local all all             trust
host  all all 127.0.0.1/32 trust
host  all all ::1/128      trust
EOF
    log "cluster initialised ($(elapsed "$t0"))"
}

# --- subcommands -------------------------------------------------------------

cmd_start() {
    need_root
    take_lock
    local t0
    t0=$(date +%s.%N)
    ensure_root
    ensure_cluster

    if is_running; then
        local p
        p=$(running_port)
        [[ $p == "$PORT" ]] || die "already running on port $p, not $PORT; run '$0 stop' first"
    else
        port_in_use && die "port 127.0.0.1:$PORT is already in use by another process; free it or set HEADROOM_TSDB_PORT"
        pg_ids
        # The socket dir is on the root's disk (no tmpfs), so it persists; make sure anyway.
        mkdir -p "$ROOT$SOCKET_DIR"
        chown "$PG_UID:$PG_GID" "$ROOT$SOCKET_DIR"
        chmod 2775 "$ROOT$SOCKET_DIR"
        log "starting PostgreSQL $PG_MAJOR + TimescaleDB on 127.0.0.1:$PORT"
        if ! as_postgres pg_ctl -D "$DATA_DIR" -l "$LOG_FILE" -o "-p $PORT" -w -t 120 start >/dev/null; then
            tail -n 20 "$ROOT$LOG_FILE" >&2 || true
            die "server failed to start (log: $ROOT$LOG_FILE)"
        fi
    fi

    local i
    for ((i = 0; i < 120; i++)); do
        as_postgres pg_isready -q -h 127.0.0.1 && break
        sleep 0.5
    done
    as_postgres pg_isready -q -h 127.0.0.1 || die "server not accepting connections (log: $ROOT$LOG_FILE)"

    if [[ -z $(as_postgres psql -d postgres -XtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
        as_postgres psql -d postgres -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB" >/dev/null
    fi
    log "ready on 127.0.0.1:$PORT ($(elapsed "$t0"))"
}

cmd_stop() {
    need_root
    take_lock
    if root_ready && is_running; then
        local t0
        t0=$(date +%s.%N)
        as_postgres pg_ctl -D "$DATA_DIR" -m fast -w -t 60 stop >/dev/null
        log "stopped ($(elapsed "$t0"))"
    fi
}

cmd_status() {
    need_root
    if root_ready && is_running; then
        echo "running (127.0.0.1:$(running_port), data $ROOT$DATA_DIR)"
        return 0
    fi
    if root_ready; then echo "stopped"; else echo "stopped (root not built)"; fi
    return 3
}

cmd_url() {
    echo "jdbc:postgresql://127.0.0.1:$PORT/$DB?user=postgres"
}

cmd_destroy() {
    need_root
    take_lock
    if root_ready && is_running; then
        as_postgres pg_ctl -D "$DATA_DIR" -m fast -w -t 60 stop >/dev/null
    fi
    if [[ -e $ROOT ]] && ! root_ready; then
        die "$ROOT is not a TimescaleDB root ($READY_MARKER missing); not removing it"
    fi
    log "removing $ROOT"
    remove_tree "$PARTIAL"
    remove_tree "$ROOT"
    rm -f "$ROOT.build.log"
}

main() {
    [[ $# -eq 1 ]] || usage
    check_config
    case $1 in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        url) cmd_url ;;
        destroy) cmd_destroy ;;
        *) usage ;;
    esac
}

main "$@"
