#!/usr/bin/env bash
# Container healthcheck: Kamailio answers JSON-RPC core.version on its SIP TCP port (no curl needed).
set -euo pipefail
port="${PBX_PORT:-5060}"
body='{"jsonrpc":"2.0","method":"core.version","id":1}'
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /RPC HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body" >&3
timeout 3 grep -q '"result"' <&3
