#!/usr/bin/env bash
# Stops the PBX that infra/pbx/start.sh started (by the pids in $PBX_RUN_DIR), Kamailio first.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -z "${PBX_RUN_DIR:-}" ]; then
  if [ -d "$HERE/../../.git" ] || [ -f "$HERE/../../package.json" ]; then PBX_RUN_DIR="$(cd "$HERE/../.." && pwd)/.data/pbx"; else PBX_RUN_DIR=/var/run/ucs-pbx; fi
fi

stop_pid() {
  local name=$1 pidfile=$2
  [ -f "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "pbx: $name (pid $pid) ignored SIGTERM for 5 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "pbx: $name stopped (pid $pid)" >&2
  fi
  rm -f "$pidfile"
}

stop_pid kamailio "$PBX_RUN_DIR/kamailio.pid"
stop_pid rtpengine "$PBX_RUN_DIR/rtpengine.pid"
