// Counts what each service published, by subject, from a nats-server trace log (`E2E_NATS_TRACE=1`: the
// bench's bench/.build/call-setup-logs/nats-server.log): which bus messages a call costs, and why.
//   E2E_NATS_TRACE=1 npm run bench:call-setup -- --rates 5 --seconds 4 --hold 1
//   node bench/call-setup/natsTrace.ts bench/.build/call-setup-logs/nats-server.log 20   (20 calls: per call)
// Counted from the first `pbx.call.make` to the last call event (not the seeding, logins, shutdown); ids,
// the bus prefix and inbox tokens are folded into `*`. The SIPp baseline after the run publishes nothing.
import { readFileSync } from 'node:fs';

const [file, callsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: natsTrace.ts <nats-server.log> [calls]');
const calls = Number(callsArg ?? 1);
// [TRC] 127.0.0.1:40522 - cid:9 - "v3.4.0:nats.js:pbx-adapter" - <<- [PUB $KV.X.key _INBOX.abc 512]
const line = /cid:\d+ - "[^"]*?nats\.js:([^"]+)" - <<- \[H?PUB (\S+)/;
const fold = (subject: string): string => {
  const t = subject.split('.');
  if (t[0] === '_INBOX') return `_INBOX.*.${t[2] ?? ''} (replies to ${t[2] ?? '?'})`;
  if (t[0] === '$JS' && t[1] === 'ACK') return '$JS.ACK.* (consumer acks)';
  if (t[0] === '$KV') return `$KV.*_${t[1]!.split('_').slice(1).join('_')}.*`;
  if (t[0] === '$JS') return t.slice(0, 4).join('.').replace(/\.[A-Z0-9]+_[A-Z_]+$/, '.*');
  return ['*', ...t.slice(1).map((x) => (x.length >= 16 || /^(line|call|c)-/.test(x) ? '*' : x))].join('.');
};
const counts = new Map<string, Map<string, number>>();
const published = readFileSync(file, 'utf8').split('\n').map((text) => line.exec(text)).filter((m) => m !== null);
const first = published.findIndex((m) => m[2]!.endsWith('.pbx.call.make'));
const last = published.findLastIndex((m) => m[2]!.includes('.calls.event.'));
for (const [, name, subject] of published.slice(Math.max(0, first), last + 1)) {
  const who = /^(cti-gateway|pbx-adapter|media)/.exec(name!)?.[1] ?? name!;
  const bySubject = counts.get(who) ?? new Map<string, number>();
  counts.set(who, bySubject);
  const key = fold(subject!);
  bySubject.set(key, (bySubject.get(key) ?? 0) + 1);
}
for (const [who, bySubject] of [...counts].sort()) {
  const total = [...bySubject.values()].reduce((a, b) => a + b, 0);
  console.log(`${who}: ${(total / calls).toFixed(1)}${calls !== 1 ? ' per call' : ''}`);
  for (const [subject, n] of [...bySubject].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / calls).toFixed(2).padStart(8)}  ${subject}`);
}
