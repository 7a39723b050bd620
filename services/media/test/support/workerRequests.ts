// Counts the requests this process sends to its mediasoup workers, by method (e.g. TRANSPORT_GET_STATS):
// mediasoup's Channel (CommonJS, one instance per process) is wrapped once. Each test file runs in a
// process of its own, so the counts are the file's.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const lib = dirname(require.resolve('mediasoup'));
const { Channel } = require(join(lib, 'Channel.js')) as { Channel: { prototype: { request: (...args: unknown[]) => unknown } } };
const { Method } = require(join(lib, 'fbs/request.js')) as { Method: Record<number, string> };

const counts = new Map<string, number>();
const request = Channel.prototype.request;
Channel.prototype.request = function (this: unknown, ...args: unknown[]) {
  const method = Method[args[0] as number] ?? String(args[0]);
  counts.set(method, (counts.get(method) ?? 0) + 1);
  return request.apply(this, args);
};

/** The requests sent since the previous call, by method; resets the counts. */
export function takeWorkerRequests(): Record<string, number> {
  const taken = Object.fromEntries(counts);
  counts.clear();
  return taken;
}
