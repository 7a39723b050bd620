#!/bin/sh
# A private CA and a NATS server certificate for TLS between the services and NATS (and a client
# certificate, for servers that also verify clients). Usage: infra/nats/make-tls.sh [dir] [host...]
#   dir   default infra/nats/tls (what infra/nats/compose.tls.yml mounts)
#   host  names and addresses the server certificate is valid for; default: nats-1 nats-2 nats-3 localhost 127.0.0.1
# Needs openssl. Keys are written 0600; an existing CA is reused, so certificates can be renewed.
set -eu
dir=${1:-infra/nats/tls}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- nats-1 nats-2 nats-3 localhost 127.0.0.1
umask 077
mkdir -p "$dir"
san=""
for h in "$@"; do
  case "$h" in
    *[!0-9.]*) san="$san,DNS:$h" ;;
    *) san="$san,IP:$h" ;;
  esac
done
san=${san#,}
if [ ! -f "$dir/ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=ucserver NATS CA" -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
fi
for who in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=ucserver nats $who" \
    -keyout "$dir/$who-key.pem" -out "$dir/$who.csr" 2>/dev/null
  if [ "$who" = server ]; then ext="subjectAltName=$san
extendedKeyUsage=serverAuth"; else ext="extendedKeyUsage=clientAuth"; fi
  printf '%s\n' "$ext" > "$dir/$who.ext"
  openssl x509 -req -in "$dir/$who.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
    -days 825 -extfile "$dir/$who.ext" -out "$dir/$who.pem" 2>/dev/null
  rm -f "$dir/$who.csr" "$dir/$who.ext"
done
chmod 644 "$dir/ca.pem" "$dir/server.pem" "$dir/client.pem"
echo "NATS TLS material in $dir: ca.pem (give it to the services as NATS_TLS_CA_FILE), server.pem/server-key.pem (nats-server), client.pem/client-key.pem (mutual TLS)"
