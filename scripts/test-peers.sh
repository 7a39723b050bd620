#!/usr/bin/env bash
# Installs the Debian packages the tests need beyond what the toolchain's `provision --bench` brings:
# kamailio-tls-modules (the test PBX's SIP over TLS). Idempotent; does nothing when they are there.
set -euo pipefail
missing=()
for pkg in kamailio-tls-modules; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "test-peers: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
