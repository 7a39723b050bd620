// MEDIA_WEBRTC_SOCKET_BUFFER_BYTES reaches the kernel: the WebRtcServer's UDP socket (every softphone leg
// of a worker) gets the configured receive and send buffers, read back from the socket with `ss`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { startHarness } from '../support/harness.ts';

/** rb/tb of the UDP socket bound to 127.0.0.1:`port` (ss -m: skmem). */
function socketBuffers(port: number): { rb: number; tb: number } {
  const out = execFileSync('ss', ['-uamnH', 'sport', '=', `:${port}`], { encoding: 'utf8' });
  const rb = /\brb(\d+)/.exec(out)?.[1];
  const tb = /\btb(\d+)/.exec(out)?.[1];
  if (!rb || !tb) throw new Error(`no skmem for UDP port ${port} in:\n${out}`);
  return { rb: Number(rb), tb: Number(tb) };
}

async function webRtcUdpPort(t: TestContext, env: Record<string, string>): Promise<number> {
  const h = await startHarness(t, env);
  const dump = await h.app.pool.workers[0]!.webRtcServer.dump();
  const udp = dump.udpSockets[0];
  assert.ok(udp, 'the WebRtcServer has a UDP socket');
  return udp.port;
}

const sysctl = (name: string): number => Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim());

describe('WebRtcServer socket buffers', { timeout: 30_000 }, () => {
  test('MEDIA_WEBRTC_SOCKET_BUFFER_BYTES sets SO_RCVBUF/SO_SNDBUF (the kernel doubles them, capped at rmem_max/wmem_max)', async (t) => {
    const wanted = 1 << 20;
    const port = await webRtcUdpPort(t, { MEDIA_WEBRTC_SOCKET_BUFFER_BYTES: String(wanted) });
    const { rb, tb } = socketBuffers(port);
    assert.equal(rb, 2 * Math.min(wanted, sysctl('rmem_max')));
    assert.equal(tb, 2 * Math.min(wanted, sysctl('wmem_max')));
  });

  test('0 leaves the system defaults', async (t) => {
    const port = await webRtcUdpPort(t, { MEDIA_WEBRTC_SOCKET_BUFFER_BYTES: '0' });
    const { rb } = socketBuffers(port);
    assert.equal(rb, sysctl('rmem_default'));
  });
});
