#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages of every peer the tests run: the test PBX, SIP phones, browsers, NATS,
# PostgreSQL, Prometheus and the tools around them. Idempotent: installs only what is missing (nothing, and
# no apt-get update, when all is there). Runs apt as root, or through sudo.
#
#   scripts/test-peers.sh           install what is missing
#   scripts/test-peers.sh --check   list what is missing, install nothing (exit 1 if anything is)
set -euo pipefail
check_only=0
case ${1:-} in
  --check) check_only=1 ;;
  '') ;;
  *) echo "usage: scripts/test-peers.sh [--check]" >&2; exit 2 ;;
esac

# One entry a peer; `a|b` = the first of these the archive has (package names differ between releases).
peers=(
  kamailio                  # the test PBX; its rtpengine module (rtpengine.so) is in this package
  kamailio-tls-modules      # the test PBX's SIP over TLS (tls.so)
  rtpengine-daemon          # media via the PBX (userspace daemon; the `rtpengine` metapackage adds a kernel module)
  baresip-core              # the desk phone
  sip-tester                # SIPp
  tshark                    # decoding captured SIP/RTP when a media test fails (no test runs it)
  'chromium|chromium-browser'   # the softphones of the web and e2e tests
  prometheus                # promtool and the scrape check of the platform test
  nats-server               # the bus (private servers, and TEST_NATS_URL's)
  postgresql                # TEST_PG_URL's database
  iproute2                  # `ip netns`: Chromium runs in a network namespace with only lo
  'docker-compose|docker-compose-v2'   # `docker-compose config -q` checks docker-compose.yml
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
known() { [ -n "$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)')" ]; }

missing=()
for peer in "${peers[@]}"; do
  have=0
  IFS='|' read -r -a names <<<"$peer"
  for name in "${names[@]}"; do installed "$name" && { have=1; break; }; done
  [ $have -eq 1 ] || missing+=("$peer")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ $check_only -eq 1 ]; then
  echo "test-peers: missing ${missing[*]}" >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "test-peers: needs root or sudo to install ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
echo "test-peers: apt-get update" >&2
"${as_root[@]}" apt-get update -qq >&2
packages=()
for peer in "${missing[@]}"; do
  IFS='|' read -r -a names <<<"$peer"
  pick=''
  for name in "${names[@]}"; do known "$name" && { pick=$name; break; }; done
  [ -n "$pick" ] || { echo "test-peers: this system's archive has no package ${peer//|/ or }" >&2; exit 1; }
  packages+=("$pick")
done
echo "test-peers: installing ${packages[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
