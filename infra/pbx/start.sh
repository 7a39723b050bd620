#!/usr/bin/env bash
# The test PBX: Kamailio (registrar + proxy, digest auth) and, for "media via PBX", rtpengine (userspace).
#
#   infra/pbx/start.sh                 # background; logs and pid files in $PBX_RUN_DIR; stop with stop.sh
#   infra/pbx/start.sh --foreground    # kamailio in the foreground (container entrypoint); Ctrl-C stops both
#   PBX_RTPENGINE=off infra/pbx/start.sh   # Direct Media: SDP passes through untouched
#
# Environment (defaults in brackets):
#   PBX_LISTEN_IP [127.0.0.1]    SIP listen address (UDP + TCP); 0.0.0.0 in a container
#   PBX_PORT [5060]              SIP port (UDP + TCP); JSON-RPC: POST http://PBX_LISTEN_IP:PBX_PORT/RPC
#   PBX_ADVERTISE []             address to put in Via/Record-Route when behind NAT (container)
#   PBX_DOMAIN []                extra SIP domain/realm (default: the request's host)
#   PBX_RTPENGINE [on]           on = media via PBX (rtpengine anchors RTP), off = Direct Media
#   PBX_USERS_FILE [kamailio/users.cfg]   credentials: `$sht(users=>LINE) = "PASSWORD";` lines
#   LINE_MIN [1000] LINE_MAX [10999] LINE_PASSWORD_PREFIX [pw]   rule lines: password = prefix + line
#   RTPENGINE_INTERFACE [PBX_LISTEN_IP, or the container's address when that is 0.0.0.0]
#   RTPENGINE_ADVERTISE []       address rtpengine writes into SDP (NAT); default its interface
#   RTPENGINE_NG_PORT [2223]     rtpengine's ng control port (on 127.0.0.1)
#   RTP_PORT_MIN [30000] RTP_PORT_MAX [30999]   rtpengine's RTP port range
#   PBX_RUN_DIR [<repo>/.data/pbx]   staged config, runtime dir, logs, pid files
#   PBX_DEBUG []                 1 = Kamailio debug=3 and one log line per SIP message
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FOREGROUND=0
[ "${1:-}" = "--foreground" ] && FOREGROUND=1

PBX_LISTEN_IP="${PBX_LISTEN_IP:-127.0.0.1}"
PBX_PORT="${PBX_PORT:-5060}"
PBX_RTPENGINE="${PBX_RTPENGINE:-on}"
PBX_USERS_FILE="${PBX_USERS_FILE:-$HERE/kamailio/users.cfg}"
RTPENGINE_NG_PORT="${RTPENGINE_NG_PORT:-2223}"
RTP_PORT_MIN="${RTP_PORT_MIN:-30000}"
RTP_PORT_MAX="${RTP_PORT_MAX:-30999}"
if [ -z "${PBX_RUN_DIR:-}" ]; then
  if [ -d "$HERE/../../.git" ] || [ -f "$HERE/../../package.json" ]; then PBX_RUN_DIR="$(cd "$HERE/../.." && pwd)/.data/pbx"; else PBX_RUN_DIR=/var/run/ucs-pbx; fi
fi

log() { echo "pbx: $*" >&2; }

if [ -z "${RTPENGINE_INTERFACE:-}" ]; then
  if [ "$PBX_LISTEN_IP" = "0.0.0.0" ]; then
    RTPENGINE_INTERFACE="$(hostname -i 2>/dev/null | awk '{print $1}')"
    [ -n "$RTPENGINE_INTERFACE" ] || RTPENGINE_INTERFACE=127.0.0.1
  else
    RTPENGINE_INTERFACE="$PBX_LISTEN_IP"
  fi
fi

mkdir -p "$PBX_RUN_DIR/run"
for pidfile in "$PBX_RUN_DIR/kamailio.pid" "$PBX_RUN_DIR/rtpengine.pid"; do
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "already running (pid $(cat "$pidfile") in $pidfile); run infra/pbx/stop.sh first"
    exit 1
  fi
done

# Stage the config: kamailio.cfg includes "users.cfg" from its own directory.
cp "$HERE/kamailio/kamailio.cfg" "$PBX_RUN_DIR/kamailio.cfg"
cp "$PBX_USERS_FILE" "$PBX_RUN_DIR/users.cfg"

KAMAILIO_ARGS=(-f "$PBX_RUN_DIR/kamailio.cfg" -DD -E -m 64 -M 8 -Y "$PBX_RUN_DIR/run" -P "$PBX_RUN_DIR/kamailio.pid"
  -A "PBX_IP=$PBX_LISTEN_IP" -A "PBX_PORT=$PBX_PORT")
[ -n "${PBX_ADVERTISE:-}" ] && KAMAILIO_ARGS+=(-A "PBX_ADVERTISE=$PBX_ADVERTISE")
[ -n "${PBX_DOMAIN:-}" ] && KAMAILIO_ARGS+=(-A "PBX_DOMAIN=\"$PBX_DOMAIN\"")
[ -n "${LINE_MIN:-}" ] && KAMAILIO_ARGS+=(-A "LINE_MIN=$LINE_MIN")
[ -n "${LINE_MAX:-}" ] && KAMAILIO_ARGS+=(-A "LINE_MAX=$LINE_MAX")
[ -n "${LINE_PASSWORD_PREFIX:-}" ] && KAMAILIO_ARGS+=(-A "LINE_PASSWORD_PREFIX=\"$LINE_PASSWORD_PREFIX\"")
[ -n "${PBX_DEBUG:-}" ] && [ "${PBX_DEBUG}" != "0" ] && KAMAILIO_ARGS+=(-A WITH_DEBUG)

RTPENGINE_PID=""
if [ "$PBX_RTPENGINE" = "on" ]; then
  iface="$RTPENGINE_INTERFACE"
  [ -n "${RTPENGINE_ADVERTISE:-}" ] && iface="$RTPENGINE_INTERFACE!$RTPENGINE_ADVERTISE"
  : > "$PBX_RUN_DIR/rtpengine.log"
  rtpengine --config-file=none --table=-1 --interface="$iface" \
    --listen-ng="127.0.0.1:$RTPENGINE_NG_PORT" --port-min="$RTP_PORT_MIN" --port-max="$RTP_PORT_MAX" \
    --num-threads=2 --log-stderr --foreground --pidfile="$PBX_RUN_DIR/rtpengine.pid" \
    >> "$PBX_RUN_DIR/rtpengine.log" 2>&1 &
  RTPENGINE_PID=$!
  echo "$RTPENGINE_PID" > "$PBX_RUN_DIR/rtpengine.pid"
  # Kamailio pings rtpengine once at start and disables it for a minute if there is no answer
  for _ in $(seq 1 100); do
    grep -q "Startup complete" "$PBX_RUN_DIR/rtpengine.log" && break
    kill -0 "$RTPENGINE_PID" 2>/dev/null || { log "rtpengine exited:"; tail -n 20 "$PBX_RUN_DIR/rtpengine.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "Startup complete" "$PBX_RUN_DIR/rtpengine.log" || { log "rtpengine not ready after 10 s"; tail -n 20 "$PBX_RUN_DIR/rtpengine.log" >&2; exit 1; }
  KAMAILIO_ARGS+=(-A WITH_RTPENGINE -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$RTPENGINE_NG_PORT\"")
  log "rtpengine on $RTPENGINE_INTERFACE (RTP $RTP_PORT_MIN-$RTP_PORT_MAX, ng 127.0.0.1:$RTPENGINE_NG_PORT), pid $RTPENGINE_PID"
fi

mode="media via PBX (rtpengine)"; [ "$PBX_RTPENGINE" = "on" ] || mode="Direct Media"
log "kamailio on $PBX_LISTEN_IP:$PBX_PORT (udp+tcp), $mode, users from $PBX_USERS_FILE"

if [ $FOREGROUND -eq 1 ]; then
  cd "$PBX_RUN_DIR"
  kamailio "${KAMAILIO_ARGS[@]}" 2>&1 | tee -a "$PBX_RUN_DIR/kamailio.log" &
  KAMAILIO_PID=""
  for _ in $(seq 1 50); do
    [ -s "$PBX_RUN_DIR/kamailio.pid" ] && KAMAILIO_PID="$(cat "$PBX_RUN_DIR/kamailio.pid")" && break
    sleep 0.1
  done
  shutdown() {
    [ -n "$KAMAILIO_PID" ] && kill -TERM "$KAMAILIO_PID" 2>/dev/null || true
    [ -n "$RTPENGINE_PID" ] && kill -TERM "$RTPENGINE_PID" 2>/dev/null || true
  }
  trap shutdown TERM INT
  # whichever ends first ends the PBX
  wait -n || true
  shutdown
  wait || true
  rm -f "$PBX_RUN_DIR/kamailio.pid" "$PBX_RUN_DIR/rtpengine.pid"
  exit 0
fi

(cd "$PBX_RUN_DIR" && exec kamailio "${KAMAILIO_ARGS[@]}" >> "$PBX_RUN_DIR/kamailio.log" 2>&1) &
for _ in $(seq 1 50); do
  [ -s "$PBX_RUN_DIR/kamailio.pid" ] && break
  sleep 0.1
done
if ! [ -s "$PBX_RUN_DIR/kamailio.pid" ]; then
  log "kamailio did not start:"; tail -n 30 "$PBX_RUN_DIR/kamailio.log" >&2
  "$HERE/stop.sh" || true
  exit 1
fi
log "kamailio pid $(cat "$PBX_RUN_DIR/kamailio.pid"); logs in $PBX_RUN_DIR/*.log; stop with infra/pbx/stop.sh"
