#!/usr/bin/env bash
# Prints `export MEDIASOUP_WORKER_BIN=…` for a mediasoup worker that survives DTLS on this machine.
#
# Why: the toolchain builds mediasoup-worker against Debian's OpenSSL, which has kernel TLS compiled in.
# libssl then asks the DTLS write BIO `BIO_CTRL_GET_KTLS_SEND`; mediasoup's BIO callback
# (worker/src/RTC/DtlsTransport.cpp, onSslBioOut) answers 1 for every operation that is not exactly
# BIO_CB_RETURN, so libssl believes KTLS is on, allocates no write buffer and the worker dies with SIGSEGV
# on the first DTLS handshake. mediasoup's prebuilt workers (what `npm ci` downloads elsewhere) bundle an
# OpenSSL without KTLS and are not affected. The fix is one character: test the bit, `&`, not `==`.
#
# When MEDIASOUP_WORKER_BIN is a worker linked against the system libssl, this builds the same version
# from mediasoup's npm tarball with that fix (once, ~6 min on 2 cores; cached under $TOOLCHAIN_ROOT) and
# points MEDIASOUP_WORKER_BIN at it. Otherwise it changes nothing. Progress goes to stderr.
set -euo pipefail
ROOT=${TOOLCHAIN_ROOT:-/opt/toolchain}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'mediasoup-worker: %s\n' "$*" >&2; }

current=${MEDIASOUP_WORKER_BIN:-}
if [ -z "$current" ] || [ ! -x "$current" ]; then
  log "no MEDIASOUP_WORKER_BIN; mediasoup uses its own (prebuilt) worker"
  exit 0
fi
# (not `ldd | grep -q`: under pipefail grep's early exit makes ldd's SIGPIPE fail the test)
libs=$(ldd "$current" 2>/dev/null || true)
if ! grep -q 'libssl\.so' <<<"$libs"; then
  log "$current bundles its OpenSSL; nothing to do"
  echo "export MEDIASOUP_WORKER_BIN=\"$current\""
  exit 0
fi

VERSION=$(node -e 'console.log(require(process.argv[1]).packages["node_modules/mediasoup"].version)' "$HERE/package-lock.json")
OUT=$ROOT/ucserver-mediasoup-worker-$VERSION-bio-fix
BIN=$OUT/mediasoup-worker
if [ -x "$BIN" ]; then
  echo "export MEDIASOUP_WORKER_BIN=\"$BIN\""
  exit 0
fi

SHIMS=$(dirname "$(readlink -f "$HERE/../shared/toolchain/provision" 2>/dev/null || echo /work/shared/toolchain/provision)")/mediasoup-shims
[ -d "$SHIMS" ] || SHIMS=/work/shared/toolchain/mediasoup-shims
[ -d "$SHIMS" ] || { log "mediasoup-shims not found next to the toolchain's provision script"; exit 1; }
mkdir -p "$ROOT"
exec 9>"$ROOT/.ucserver-worker.lock"
flock 9
[ -x "$BIN" ] && { echo "export MEDIASOUP_WORKER_BIN=\"$BIN\""; exit 0; }

log "building mediasoup-worker $VERSION with the DTLS BIO fix (about 6 minutes)"
W=$(mktemp -d "$ROOT/build-ucserver-worker.XXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/src"
CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")
MIRROR=$(apt-cache policy | awk -v s=" $CODENAME/main " 'index($0, s) { print $2; exit }')
[ -n "$MIRROR" ] || { log "no Debian archive found in the apt sources"; exit 1; }
printf 'deb-src %s trixie main\n' "$MIRROR" > "$W/apt/sources.list"
APTO=(-o Dir::Etc::SourceList="$W/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists="$W/apt/lists" -o Dir::Cache="$W/apt/cache")
apt-get "${APTO[@]}" update -qq >&2
( cd "$W/src" && apt-get "${APTO[@]}" source --download-only flatbuffers=23.5.26+dfsg-4 libsrtp2=2.7.0-3 >&2 || true )
( cd "$W/src" && tar xf flatbuffers_23.5.26+dfsg.orig.tar.xz && tar xf libsrtp2_2.7.0.orig.tar.gz )
( cd "$W" && npm pack --silent "mediasoup@$VERSION" >&2 && tar xzf "mediasoup-$VERSION.tgz" )
PKG=$W/package SP=$W/package/worker/subprojects
mkdir -p "$SP/libuv-v1.51.0" "$SP/openssl-3.0.8" "$SP/abseil-cpp-20240722.0"
cp "$SHIMS/libuv/"* "$SHIMS/dummy.c" "$SP/libuv-v1.51.0/"
cp "$SHIMS/openssl/"* "$SHIMS/dummy.c" "$SP/openssl-3.0.8/"
cp "$SHIMS/abseil/"* "$SHIMS/dummy.cc" "$SP/abseil-cpp-20240722.0/"
cp -r "$SHIMS/unordered_dense" "$SP/unordered_dense-4.8.1"
cp -r "$W/src/libsrtp-2.7.0" "$SP/libsrtp-3.0.0-beta-2fc078db"
cp -r "$SHIMS/libsrtp3/ms_srtp3_shim" "$SP/libsrtp-3.0.0-beta-2fc078db/"
cat "$SHIMS/libsrtp3/append.meson" >> "$SP/libsrtp-3.0.0-beta-2fc078db/meson.build"
cp -r "$W/src/flatbuffers-23.5.26+dfsg" "$SP/flatbuffers-24.3.25"
cp "$SHIMS/flatbuffers/meson.build" "$SP/flatbuffers-24.3.25/meson.build"
sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1/' "$PKG/worker/src/RTC/DtlsTransport.cpp"
grep -q 'operationType & BIO_CB_RETURN' "$PKG/worker/src/RTC/DtlsTransport.cpp" || { log "the DtlsTransport.cpp fix did not apply (mediasoup changed?)"; exit 1; }
PIP_LOCAL=$(pip config get global.extra-index-url 2>/dev/null | tr ' ' '\n' | grep '^file://' | head -n 1 || true)
newest() { pip index versions "$1" ${PIP_LOCAL:+--index-url "$PIP_LOCAL"} 2>/dev/null | sed -n 's/^[^(]*(\([^)]*\)).*/\1/p' | head -n 1; }
MESON_V=$(newest meson); NINJA_V=$(newest ninja)
( cd "$PKG" && npm install --no-save --no-audit --no-fund --ignore-scripts >&2 )
( cd "$PKG" && env -u MEDIASOUP_WORKER_BIN ${PIP_LOCAL:+PIP_INDEX_URL=$PIP_LOCAL} MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD=1 \
    ${MESON_V:+MESON_VERSION=$MESON_V} ${NINJA_V:+NINJA_VERSION=$NINJA_V} MESON_ARGS="--wrap-mode=nodownload" \
    node npm-scripts.mjs postinstall >&2 )
mkdir -p "$OUT.tmp"
cp "$PKG/worker/out/Release/mediasoup-worker" "$OUT.tmp/"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
log "built $BIN"
echo "export MEDIASOUP_WORKER_BIN=\"$BIN\""
