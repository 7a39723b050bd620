// The media node alone, as bench/call-setup drives it: per call pair the caller's commands (softphoneOffer →
// pbxCreateOffer → pbxApplyAnswer → softphoneAnswer) and the callee's (pbxOffer → softphoneCreateOffer →
// softphoneApplyAnswer), held, then both closed — over the bus, against the real mediasoup worker, with
// softphones and a PBX that send no media (as in the call-setup bench). Counts what a call costs the node:
// its mediasoup worker requests by method and the worker's notifications (a count each, so the load does
// not change them), write system calls and CPU of the Node process (of it in the kernel: system calls) and
// of the worker; and each command's round trip at the driver (p50 / p99).
//
//   node --conditions=ucs-source bench/call-setup/mediaNode.ts [--calls 200] [--rate 20] [--hold 2000] [--log-level warn]
// (--log-level info: the node's log as production writes it, to /dev/null; its lines per call are reported)
// Needs NATS on NATS_URL (default 127.0.0.1:4222) and MEDIASOUP_WORKER_BIN.
import { randomBytes } from 'node:crypto';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BusClient, MediaCommands, MediaConfig, createLogger, createMetricsRegistry, loadConfig, type Command } from '@ucserver/shared';
import { natsUrl, uniquePrefix } from '@ucserver/testkit';
import { build } from '../../services/media/src/app.ts';
import { softphoneSdp } from '../media-relay/softphoneSdp.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200' }, rate: { type: 'string', default: '20' }, hold: { type: 'string', default: '2000' }, 'cpu-prof': { type: 'string' }, 'log-level': { type: 'string', default: 'warn' }, role: { type: 'string', default: 'driver' }, prefix: { type: 'string' } } });
const calls = Number(values.calls);
const rate = Number(values.rate);
const holdMs = Number(values.hold);
const logLevel = values['log-level'] as 'warn' | 'info' | 'debug';

const procStat = (pid: number | 'self'): { cpuMs: number; sysMs: number; syscw: number } => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / 100, sysMs: (Number(f[12]) * 1000) / 100, syscw: Number(/syscw: (\d+)/.exec(io)![1]) };
};

if (values.role === 'node') await runNode(values.prefix!);
else await drive();

/** The media node, in a process of its own (the driver's bus client and SDP writing must not count). */
async function runNode(prefix: string): Promise<void> {
  // mediasoup's Channel (CommonJS, one instance): every request and every notification of the worker.
  const require = createRequire(import.meta.url);
  const lib = dirname(require.resolve('mediasoup', { paths: [join(import.meta.dirname, '../../services/media')] }));
  const { Channel } = require(join(lib, 'Channel.js')) as { Channel: { prototype: Record<string, (...args: unknown[]) => unknown> } };
  const { Method } = require(join(lib, 'fbs/request.js')) as { Method: Record<number, string> };
  const { Event } = require(join(lib, 'fbs/notification.js')) as { Event: Record<number, string> };
  const requests = new Map<string, number>();
  const notifications = new Map<string, number>();
  let counting = false;
  const request = Channel.prototype.request!;
  Channel.prototype.request = function (this: unknown, ...args: unknown[]) {
    if (counting) requests.set(Method[args[0] as number]!, (requests.get(Method[args[0] as number]!) ?? 0) + 1);
    return request.apply(this, args);
  };
  const emit = Channel.prototype.emit!;
  Channel.prototype.emit = function (this: unknown, ...args: unknown[]) {
    if (counting && typeof args[1] === 'number') notifications.set(Event[args[1]]!, (notifications.get(Event[args[1]]!) ?? 0) + 1);
    return emit.apply(this, args);
  };

  const nodeId = `bench-${prefix}`;
  const config = loadConfig('media', MediaConfig, {
    NATS_URL: natsUrl,
    BUS_PREFIX: prefix,
    HTTP_PORT: '0',
    MEDIA_NODE_ID: nodeId,
    MEDIA_WORKERS: '1',
    MEDIA_WEBRTC_PORT: '0',
    MEDIA_RTC_MIN_PORT: '42000',
    MEDIA_RTC_MAX_PORT: '47999',
    MEDIA_HEARTBEAT_MS: '2000',
    MEDIA_STATS_INTERVAL_MS: '5000',
    MEDIA_DRAIN_TIMEOUT_MS: '0',
    MEDIA_WORKER_LOG_LEVEL: 'warn',
    LOG_LEVEL: logLevel,
  });
  // The log goes to /dev/null, a write per line as to a file, and its lines are counted; warnings and
  // errors are shown on stderr as well.
  const devNull = openSync('/dev/null', 'w');
  let logLines = 0;
  let countingLines = false;
  const destination = {
    write(line: string): void {
      if (countingLines) logLines += 1;
      writeSync(/"level":[456]0/.test(line) ? 2 : devNull, line);
    },
  };
  const app = build({ config, logger: createLogger({ service: 'media', level: logLevel, destination: destination as unknown as NodeJS.WritableStream }), registry: createMetricsRegistry('media') });
  await app.start();
  const worker = app.pool.workers[0]!.worker;
  const session = new Session();
  let before = { node: procStat('self'), worker: procStat(worker.pid) };
  process.on('message', (m: { cmd: string; profile?: string }) => {
    void (async () => {
      if (m.cmd === 'start') {
        if (m.profile) {
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
        }
        before = { node: procStat('self'), worker: procStat(worker.pid) };
        counting = true;
        countingLines = true;
        process.send!({ cmd: 'started' });
      } else if (m.cmd === 'stop') {
        counting = false;
        countingLines = false;
        const after = { node: procStat('self'), worker: procStat(worker.pid) };
        if (m.profile) writeFileSync(m.profile, JSON.stringify((await session.post('Profiler.stop')).profile));
        process.send!({
          cmd: 'report',
          nodeCpuMs: after.node.cpuMs - before.node.cpuMs,
          nodeSysMs: after.node.sysMs - before.node.sysMs,
          workerCpuMs: after.worker.cpuMs - before.worker.cpuMs,
          nodeSyscw: after.node.syscw - before.node.syscw,
          workerSyscw: after.worker.syscw - before.worker.syscw,
          requests: [...requests],
          notifications: [...notifications],
          logLines,
        });
        await app.stop();
        process.exit(0);
      }
    })();
  });
  process.send!({ cmd: 'ready' });
}

async function drive(): Promise<void> {
  const prefix = uniquePrefix();
  const nodeId = `bench-${prefix}`;
  const child = fork(import.meta.filename, ['--role', 'node', '--prefix', prefix, '--log-level', logLevel], { execArgv: ['--conditions=ucs-source'] });
  const next = async (cmd: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const [m] = (await once(child, 'message')) as [Record<string, unknown>];
      if (m.cmd === cmd) return m;
    }
  };
  await next('ready');
  const bus = await BusClient.connect({ servers: natsUrl, prefix, name: 'bench', logger: createLogger({ service: 'bench', level: 'warn' }) });
  /** Each command's round trips (request → reply at this bus client), in ms, once counting started. */
  const latency = new Map<string, number[]>();
  let timing = false;
  const send = async <K extends keyof typeof MediaCommands>(name: K, payload: unknown): Promise<{ sdp: string }> => {
    const t0 = performance.now();
    const reply = (await bus.media(nodeId).request(MediaCommands[name] as Command<'media'>, payload as never, { timeoutMs: 30_000 })) as { sdp: string };
    if (timing) {
      const ms = latency.get(name) ?? [];
      ms.push(performance.now() - t0);
      latency.set(name, ms);
    }
    return reply;
  };
  const hex = (n: number): string => randomBytes(n).toString('hex');
  const fingerprint = (): string => [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  /** rtpengine's SDP toward the node (replace-origin, ICE=remove): plain RTP/AVP, a=rtcp, a=rtcp-mux as offered. */
  const pbxSdp = (port: number, version: number): string => [
    'v=0', `o=- 1${version} ${version} IN IP4 127.0.0.9`, 's=-', 'c=IN IP4 127.0.0.9', 't=0 0',
    `m=audio ${port} RTP/AVP 0 126`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:126 telephone-event/8000', 'a=fmtp:126 0-16',
    'a=sendrecv', `a=rtcp:${port}`, 'a=rtcp-mux', 'a=ptime:20', '',
  ].join('\r\n');

  async function callPair(i: number): Promise<void> {
    const caller = `c-${i}-${hex(4)}`;
    const callee = `d-${i}-${hex(4)}`;
    const phone = (answer?: { mid: string; pt: number; te: number | undefined }) => softphoneSdp({ address: '127.0.0.1', port: 9, ice: { ufrag: hex(4), pwd: hex(12) }, fingerprint: fingerprint(), ssrc: randomBytes(4).readUInt32BE(0) || 1, g711First: true, answer });
    await send('softphoneOffer', { callId: caller, sdp: phone() });
    await send('pbxCreateOffer', { callId: caller, srtp: 'off' });
    // The PBX (rtpengine) offers the callee's leg, the callee's node answers; then the caller's leg gets the answer.
    await send('pbxOffer', { callId: callee, sdp: pbxSdp(30000 + 2 * (i % 5000), 1) });
    const offer = await send('softphoneCreateOffer', { callId: callee });
    const mid = /^a=mid:(\S+)/m.exec(offer.sdp)?.[1] ?? '0';
    const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer.sdp)?.[1];
    await send('softphoneApplyAnswer', { callId: callee, sdp: phone({ mid, pt: 0, te: te === undefined ? undefined : Number(te) }) });
    await send('pbxApplyAnswer', { callId: caller, sdp: pbxSdp(40000 + 2 * (i % 5000), 1) });
    await send('softphoneAnswer', { callId: caller });
    await new Promise((r) => setTimeout(r, holdMs));
    await send('close', { callId: caller, cause: 'normal' });
    await send('close', { callId: callee, cause: 'normal' });
  }

  // Warm-up (JIT, the shared router), not counted.
  await Promise.all(Array.from({ length: 5 }, (_, i) => callPair(-1 - i)));
  child.send({ cmd: 'start', profile: values['cpu-prof'] });
  await next('started');
  timing = true;
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < calls; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    running.push(callPair(i));
  }
  await Promise.all(running);
  child.send({ cmd: 'stop', profile: values['cpu-prof'] });
  const r = (await next('report')) as { logLines: number; nodeCpuMs: number; nodeSysMs: number; workerCpuMs: number; nodeSyscw: number; workerSyscw: number; requests: [string, number][]; notifications: [string, number][] };
  const per = (n: number): number => Number((n / calls).toFixed(2));
  const byCount = (m: [string, number][]) => Object.fromEntries(m.sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, per(v)]));
  const total = (m: [string, number][]): number => m.reduce((a, [, b]) => a + b, 0);
  console.log(JSON.stringify({
    calls,
    rate,
    holdMs,
    logLevel,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    perCall: {
      workerRequests: per(total(r.requests)),
      workerNotifications: per(total(r.notifications)),
      nodeCpuMs: per(r.nodeCpuMs),
      nodeSystemCpuMs: per(r.nodeSysMs),
      workerCpuMs: per(r.workerCpuMs),
      nodeSyscw: per(r.nodeSyscw),
      workerSyscw: per(r.workerSyscw),
      logLines: per(r.logLines),
    },
    requests: byCount(r.requests),
    notifications: byCount(r.notifications),
    /** Round trip of each command at the driver (ms): p50 / p99. */
    commandMs: Object.fromEntries([...latency].map(([name, ms]) => {
      const sorted = ms.sort((x, y) => x - y);
      const at = (q: number): number => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
      return [name, `${at(0.5)} / ${at(0.99)}`];
    })),
  }, null, 1));
  await bus.close();
  await once(child, 'exit');
}
