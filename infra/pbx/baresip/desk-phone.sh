#!/usr/bin/env bash
# The desk phone: baresip (Debian's baresip-core, 1.x) headless, registered at the test PBX as a line,
# playing a WAV as its microphone, controlled through ctrl_tcp. The same recipe the test kit's
# Baresip launcher writes (packages/testkit/src/Baresip.ts).
#
#   infra/pbx/baresip/desk-phone.sh                       # line 200 / pw200 at 127.0.0.1:5060
#   LINE=201 PASSWORD=pw201 SIP_PORT=5082 CTRL_PORT=4445 infra/pbx/baresip/desk-phone.sh
#
# Environment (defaults in brackets):
#   LINE [200] PASSWORD [pw<LINE>]   the line and its password at the PBX
#   REGISTRAR [127.0.0.1:5060]       the PBX (host:port); DOMAIN [REGISTRAR] the account's SIP domain
#   TRANSPORT [udp]                  udp | tcp
#   SIP_PORT [5080]                  baresip's SIP port on 127.0.0.1 (it also takes SIP_PORT+1 for TLS)
#   CTRL_PORT [4444]                 ctrl_tcp port on 127.0.0.1 (netstring JSON, see README.md)
#   RTP_PORTS [32000-32099]          baresip's RTP port range
#   WAV [echo]                       audio source: an 8 kHz mono 16-bit PCM WAV, played from the start of
#                                    each call; baresip 1.x ENDS THE CALL when the file ends (AUDIO_ERROR
#                                    "end of file"), so make it longer than your calls. Unset: echo mode
#                                    (the phone sends back what it hears: an echo test line).
#   ANSWER [auto]                    auto | manual (then: {"command":"accept"})
#   RECORD_DIR []                    if set, sndfile writes each call's audio there (dump-*-dec.wav = heard)
#   PHONE_DIR [<repo>/.data/baresip-<LINE>]   the generated config directory
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
LINE="${LINE:-200}"
PASSWORD="${PASSWORD:-pw$LINE}"
REGISTRAR="${REGISTRAR:-127.0.0.1:5060}"
DOMAIN="${DOMAIN:-$REGISTRAR}"
TRANSPORT="${TRANSPORT:-udp}"
SIP_PORT="${SIP_PORT:-5080}"
CTRL_PORT="${CTRL_PORT:-4444}"
RTP_PORTS="${RTP_PORTS:-32000-32099}"
ANSWER="${ANSWER:-auto}"
PHONE_DIR="${PHONE_DIR:-$ROOT/.data/baresip-$LINE}"

mkdir -p "$PHONE_DIR"
WAV="${WAV:-}"
SOURCE="aubridge,phone$LINE"   # echo: the source is the bridge the player writes into
[ -n "$WAV" ] && SOURCE="aufile,$WAV"

{
  echo "poll_method epoll"
  echo "sip_listen 127.0.0.1:$SIP_PORT"
  echo "net_interface 127.0.0.1"
  echo "call_local_timeout 120"
  echo "call_max_calls 4"
  # no sound card: aubridge takes the playback (and loops it back in echo mode), aufile is the microphone
  echo "audio_player aubridge,phone$LINE"
  echo "audio_alert aubridge,phone${LINE}alert"
  echo "audio_source $SOURCE"
  echo "ausrc_srate 8000"
  echo "auplay_srate 8000"
  echo "ausrc_channels 1"
  echo "auplay_channels 1"
  echo "rtp_ports $RTP_PORTS"
  echo "rtcp_mux no"
  echo "jitter_buffer_delay 1-10"
  echo "module_path /usr/lib/baresip/modules"
  echo "module g711.so"
  echo "module aufile.so"
  echo "module aubridge.so"
  if [ -n "${RECORD_DIR:-}" ]; then
    mkdir -p "$RECORD_DIR"
    echo "module sndfile.so"
    echo "snd_path $RECORD_DIR"
  fi
  echo "module_tmp uuid.so"
  echo "module_tmp account.so"
  echo "module_app menu.so"
  echo "module_app ctrl_tcp.so"
  echo "ctrl_tcp_listen 127.0.0.1:$CTRL_PORT"
} > "$PHONE_DIR/config"

outbound=""
[ "$DOMAIN" != "$REGISTRAR" ] && outbound=";outbound=\"sip:$REGISTRAR;transport=$TRANSPORT\""
echo "<sip:$LINE@$DOMAIN;transport=$TRANSPORT>;auth_pass=$PASSWORD;answermode=$ANSWER;regint=600;audio_codecs=PCMU,PCMA$outbound" > "$PHONE_DIR/accounts"
: > "$PHONE_DIR/contacts"

echo "desk phone: line $LINE at $REGISTRAR, SIP 127.0.0.1:$SIP_PORT, ctrl_tcp 127.0.0.1:$CTRL_PORT, config in $PHONE_DIR" >&2
exec baresip -f "$PHONE_DIR"
