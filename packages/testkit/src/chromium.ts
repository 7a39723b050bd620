/**
 * Flags for the system Chromium as a softphone in tests (fake microphone and permission prompt, WebRTC on
 * loopback, no background traffic). Chromium must still run in a network namespace with only `lo` up:
 * these flags do not stop every DNS/mDNS packet.
 */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export const chromiumPath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
