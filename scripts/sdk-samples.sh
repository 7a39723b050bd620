#!/usr/bin/env bash
# Runs estos's UCServerWebSDK2.0 node sample (node-client/) UNCHANGED against a cti-gateway started here.
# Manual/optional check (needs the SDK checkout and its npm deps; CI has no GitHub access, so not in .ci/run).
#
#   scripts/sdk-samples.sh /path/to/UCServerWebSDK2.0      (or SDK_DIR=/path ...)
#
# The sample is copied into a scratch directory; only its deps (node_modules) and its build (dist/) are added
# there, it is configured only through its own environment variables (UCSERVERWEBSDK20_CLIENT_*), and its
# files are compared with the checkout before it runs. Where the sample's git dependencies (ESTOS/ucconfig,
# ESTOS/uclogger) cannot be fetched from GitHub, SDK_GIT_MIRRORS=<dir> names bare mirrors laid out as
# <dir>/ESTOS+ucconfig/repo and <dir>/ESTOS+uclogger/repo. Where @estos/asn1ts cannot be installed (it is not on
# the public npm registry), SDK_ASN1TS_STANDIN=1 puts an inert stand-in there: the sample's default JSON
# transport never encodes BER, so that part of the library is not exercised (the run says so).
# Needs NATS at NATS_URL (default nats://127.0.0.1:4222). Exits non-zero when the sample does not complete.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SDK_DIR=${1:-${SDK_DIR:-}}
[[ -n "$SDK_DIR" && -d "$SDK_DIR/node-client" ]] || { echo "usage: $0 <UCServerWebSDK2.0 checkout> (or SDK_DIR=)" >&2; exit 2; }
SCRATCH=$(mktemp -d /tmp/ucs-sdk-samples.XXXXXX)
GW_PID=
cleanup() { [[ -n "$GW_PID" ]] && kill "$GW_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[sdk-samples] $*"; }

# 1. scratch copy + deps
rsync -a --exclude node_modules --exclude dist "$SDK_DIR/node-client/" "$SCRATCH/node-client/"
cd "$SCRATCH/node-client"
cp package.json package-lock.json "$SCRATCH/"
if npm ci --ignore-scripts --no-audit --no-fund >"$SCRATCH/npm.log" 2>&1; then
  log "npm ci: ok"
else
  log "npm ci failed ($(grep -m1 'npm error' "$SCRATCH/npm.log" || true)); installing the registry deps and the rest by hand"
  [[ -n "${SDK_GIT_MIRRORS:-}" ]] || { log "set SDK_GIT_MIRRORS (see header)"; exit 1; }
  node -e '
    const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json")); const l = JSON.parse(fs.readFileSync("package-lock.json"));
    delete p.dependencies.ucconfig; delete p.dependencies.uclogger;          // git deps, from SDK_GIT_MIRRORS below
    for (const d of ["winston", "logform", "winston-transport"]) p.dependencies[d] = l.packages["node_modules/" + d].version; // uclogger deps
    if (process.env.SDK_ASN1TS_STANDIN === "1") delete p.dependencies["@estos/asn1ts"];
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2));'
  npm install --ignore-scripts --no-audit --no-fund --no-package-lock >>"$SCRATCH/npm.log" 2>&1 || { tail -5 "$SCRATCH/npm.log"; exit 1; }
  for r in ucconfig uclogger; do
    mkdir -p "node_modules/$r"
    git --git-dir="$SDK_GIT_MIRRORS/ESTOS+$r/repo" archive "$(node -e "console.log(require('$SCRATCH/package-lock.json').packages['node_modules/$r'].resolved.split('#')[1])")" | tar -x -C "node_modules/$r"
  done
  if [[ "${SDK_ASN1TS_STANDIN:-}" == 1 ]]; then
    log "STAND-IN for @estos/asn1ts (not installable here): BER encoding is not exercised"
    mkdir -p node_modules/@estos/asn1ts
    echo '{"name":"@estos/asn1ts","version":"0.0.0-standin","main":"index.js"}' >node_modules/@estos/asn1ts/package.json
    # inert classes for every asn1ts.<Name> the sample's stubs use; any BER encode/decode or schema check throws
    names=$(grep -rhoE 'asn1ts\.[A-Za-z_]+' src | sort -u | sed 's/asn1ts\.//' | tr '\n' ' ')
    cat >node_modules/@estos/asn1ts/index.js <<JS
const off = (what) => { throw new Error('@estos/asn1ts stand-in: ' + what + ' is not available'); };
class Base { constructor(params) { Object.assign(this, params || {}); } static typeGuard() { return false; } toBER() { off('toBER'); } }
for (const name of '$names'.trim().split(' ')) exports[name] = class extends Base {};
exports.verifySchema = () => off('verifySchema');
exports.fromBER = () => off('fromBER');
JS
  fi
  cp "$SCRATCH/package.json" "$SCRATCH/package-lock.json" .
fi
# the sample's files are byte-identical to the checkout (deps and build output aside)
diff -r -q -x node_modules -x dist "$SDK_DIR/node-client" . >/dev/null || { log "scratch copy differs from the SDK"; exit 1; }
npx tsc -p . >"$SCRATCH/tsc.log" 2>&1 || log "sample build: $(grep -c 'error TS' "$SCRATCH/tsc.log") type errors (emitted anyway; see $SCRATCH/tsc.log)"
# index.js (npm start) requires ./dist/src/app.js, but tsc emits dist/app.js (an SDK bug; fixed on its unmerged
# branch 5fc75f8 "reference to app.js had a wrong path"): run the sample's own entry module directly then.
START=(npm start)
if [[ ! -f dist/src/app.js ]]; then
  [[ -f dist/app.js ]] || { log "sample build produced no app.js"; exit 1; }
  log "index.js points at dist/src/app.js, tsc emitted dist/app.js (SDK bug): running node dist/app.js"
  START=(node --trace-warnings dist/app.js)
fi

# 2. the gateway (alone: the sample needs login, presence and the web endpoints; no PBX, no media)
port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
HTTP=$(port); TCP=$(port)
export ADMIN_TOKEN=$(openssl rand -hex 16)
(cd "$REPO" && HTTP_PORT=$HTTP CTI_TCP_PORT=$TCP PGLITE_DIR=memory:// BUS_PREFIX="sdk$$" \
  LINE_CREDENTIALS_KEY=$(openssl rand -base64 32) LOG_LEVEL=warn \
  exec node --conditions=ucs-source services/cti-gateway/src/index.ts) >"$SCRATCH/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null || { log "gateway did not start"; tail -20 "$SCRATCH/gateway.log"; exit 1; }
(cd "$REPO" && UCS_ADMIN_URL="http://127.0.0.1:$HTTP" node --conditions=ucs-source services/cti-gateway/src/cli/admin.ts seed --registrar 127.0.0.1:5060) >"$SCRATCH/seed.log" 2>&1 \
  || { log "seed failed"; cat "$SCRATCH/seed.log"; exit 1; }
log "gateway on http://127.0.0.1:$HTTP (users seeded: alice/alicepw …)"

# 3. the node sample, configured by its own environment variables only
mkdir -p "$SCRATCH/logs"
# the sample's .env.sample values for its environment/version properties (it refuses to start without them)
while IFS= read -r kv; do export "$kv"; done < <(grep -E '^UCSERVERWEBSDK20_CLIENT_(ENVIRONMENT|VERSION_BUILD_DATE|VERSION_TAG)=' .env.sample)
set +e
UCSERVERWEBSDK20_CLIENT_UCCONTROLLERURL="http://127.0.0.1:$HTTP" UCSERVERWEBSDK20_CLIENT_UCSID=local \
UCSERVERWEBSDK20_CLIENT_USERNAME="${SDK_SAMPLE_USER:-alice}" UCSERVERWEBSDK20_CLIENT_PASSWORD="${SDK_SAMPLE_PASSWORD:-alicepw}" \
UCSERVERWEBSDK20_CLIENT_LOG_DIRECTORY="$SCRATCH/logs/" UCSERVERWEBSDK20_CLIENT_LOG_TO_CONSOLE=true \
UCSERVERWEBSDK20_CLIENT_LOG_LEVEL=debug \
  timeout 20 "${START[@]}" >"$SCRATCH/node-client.log" 2>&1
set -e
log "node sample output: $SCRATCH/node-client.log"
fail=0
L="$SCRATCH/logs/node-client.log"; T="$SCRATCH/logs/asn1Transport.log"; touch "$L" "$T"
check() { if grep -q "$2" "$3"; then log "PASS $1"; else log "FAIL $1"; fail=1; fi; }
check "UCConnect lookup (GET /controller/client/ucws) answered with a redirect" '"redirectURL": "http://127.0.0.1' "$L"
check "createsession answered with a session id" '"sessionid": "' "$L"
check "WebSocket connected" '"message": "Connected to"' "$L"
check "asnGetLoggedInContactV2 result" '"_type": "AsnGetLoggedInContactV2Result"' "$T"
check "asnGetAndSubscribePresenceV2 result" '"_type": "AsnGetAndSubscribePresenceV2Result"' "$T"
check "the sample printed its presence snapshot" 'AsnPresenceV2 {' "$SCRATCH/node-client.log"
if grep -q 'Could not retrieve\|"level": "error"' "$L" "$SCRATCH/node-client.log"; then log "FAIL the sample logged an error"; fail=1; fi
log "operations sent: $(grep -o '"operationName": "[A-Za-z0-9]*"' "$T" | cut -d'"' -f4 | tr '\n' ' ')"
if [[ $fail == 0 ]]; then log "node sample: PASS"; else log "node sample: FAIL"; tail -40 "$SCRATCH/node-client.log"; fi
exit $fail
