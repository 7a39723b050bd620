// The bus access table against the code: every command and topic a service's sources use on the bus is
// in its row, and nothing else is (so the NATS permissions generated from it are exactly what each
// service needs); and the permissions derived from the rows, subject by subject.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CallTopics, CtiCommands, GatewayTopics, LineCommands, LineTopics, MediaCommands, MediaTopics, PbxBuckets, PbxCommands, PbxTopics, busServices, type BusService } from '@ucserver/shared';
import { busAccess, busPermissions, Subjects } from '@ucserver/shared/internal';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tables = { MediaCommands, PbxCommands, CtiCommands, LineCommands, LineTopics, CallTopics, MediaTopics, GatewayTopics, PbxTopics, PbxBuckets } as const;

/** 'PbxCommands.makeCall' for each contract entry, by identity. */
const labels = new Map<unknown, string>();
for (const [table, entries] of Object.entries(tables)) for (const [name, entry] of Object.entries(entries)) labels.set(entry, `${table}.${name}`);
const label = (entry: unknown): string => labels.get(entry) ?? assert.fail('an entry of no contract table');

interface Use {
  serves: Set<string>;
  requests: Set<string>;
  publishes: Set<string>;
  subscribes: Set<string>;
  callStream: boolean;
  consumes: boolean;
  kvBuckets: Set<string>;
}

/** The source without comment lines (comments name commands and topics freely). */
function code(file: string): string {
  return readFileSync(file, 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n');
}

/** The text of the call's arguments, from the '(' at `open` to its matching ')'. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** What a service's sources do on the bus, read from its call sites. */
function scan(service: BusService): Use {
  const use: Use = { serves: new Set(), requests: new Set(), publishes: new Set(), subscribes: new Set(), callStream: false, consumes: false, kvBuckets: new Set() };
  const category = { serve: use.serves, serveTable: use.serves, request: use.requests, '#request': use.requests, publish: use.publishes, publishDurable: use.publishes, subscribe: use.subscribes, kv: use.kvBuckets } as const;
  for (const file of globSync(`services/${service}/src/**/*.ts`, { cwd: root })) {
    const text = code(root + file);
    for (const m of text.matchAll(/\.(serveTable|serve|#request|request|publishDurable|publish|subscribe|consume|kv)\(/g)) {
      const args = argumentsAt(text, m.index + m[0].length - 1);
      if (m[1] === 'consume') {
        if (/\b(CallTopics)\./.test(args)) use.consumes = true;
        continue;
      }
      const into = category[m[1] as keyof typeof category];
      for (const ref of args.matchAll(/\b(MediaCommands|PbxCommands|CtiCommands|LineCommands|LineTopics|CallTopics|MediaTopics|GatewayTopics|PbxTopics|PbxBuckets)\b(?:\.(\w+))?/g)) {
        const table = tables[ref[1] as keyof typeof tables] as Record<string, unknown>;
        // serveTable(PbxCommands, …): the whole table
        for (const name of ref[2] ? [ref[2]] : Object.keys(table)) into.add(label(table[name] ?? assert.fail(`${file}: ${ref[1]}.${name} is no entry`)));
      }
    }
    // MediaPlacement (shared) subscribes to the heartbeats for the service that builds one.
    if (/new MediaPlacement\(/.test(text)) use.subscribes.add(label(MediaTopics.heartbeat));
    // HeartbeatPublisher (shared) publishes the topic it is built with.
    for (const m of text.matchAll(/new HeartbeatPublisher\(/g)) {
      const ref = /\btopic:\s*(MediaTopics|GatewayTopics|PbxTopics)\.(\w+)/.exec(argumentsAt(text, m.index + m[0].length - 1)) ?? assert.fail(`${file}: a HeartbeatPublisher without a topic: X.y`);
      use.publishes.add(label((tables[ref[1] as keyof typeof tables] as Record<string, unknown>)[ref[2] as string] ?? assert.fail(`${file}: ${ref[1]}.${ref[2]} is no entry`)));
    }
    if (/\.ensureCallStream\(/.test(text)) use.callStream = true;
  }
  return use;
}

const sorted = (items: Iterable<unknown>): string[] => [...items].map((x) => (typeof x === 'string' ? x : label(x))).sort();

describe('bus access table', () => {
  for (const service of busServices) {
    it(`${service}: the table row is exactly what its sources serve, request, publish and subscribe to`, () => {
      const used = scan(service);
      const row = busAccess[service];
      assert.deepEqual(sorted(row.serves), sorted(used.serves), 'serves');
      assert.deepEqual(sorted(row.requests), sorted(used.requests), 'requests');
      assert.deepEqual(sorted(row.publishes), sorted(used.publishes), 'publishes');
      assert.deepEqual(sorted(row.subscribes), sorted(used.subscribes), 'subscribes');
      assert.equal(row.callStream, used.callStream, 'manages the CALLS stream');
      assert.equal(row.callConsumers.length > 0, used.consumes, 'runs a durable consumer');
      assert.deepEqual(sorted(row.kvBuckets), sorted(used.kvBuckets), 'kv buckets');
      const sources = globSync(`services/${service}/src/**/*.ts`, { cwd: root }).map((f) => readFileSync(root + f, 'utf8')).join('\n');
      for (const durable of row.callConsumers) assert.ok(sources.includes(`'${durable}'`), `durable '${durable}' is named in ${service}'s sources`);
    });
  }
});

describe('bus permissions', () => {
  const subjects = new Subjects('ucs');
  const perms = Object.fromEntries(busServices.map((s) => [s, busPermissions(subjects, s)])) as Record<BusService, ReturnType<typeof busPermissions>>;

  it('busPermissions() gives media nothing of lines.* and no call events', () => {
    const media = perms.media;
    for (const s of [...media.publish, ...media.subscribe]) assert.doesNotMatch(s, /^ucs\.lines\./, `media: ${s}`);
    assert.ok(!media.publish.includes('ucs.calls.event.*'));
    assert.ok(!media.subscribe.includes('ucs.calls.event.*'));
  });

  it('busPermissions() lets only the gateway serve cti.call.incoming and lines.list, only the adapter serve pbx.*', () => {
    for (const service of busServices) {
      assert.equal(perms[service].subscribe.includes('ucs.cti.call.incoming'), service === 'cti-gateway', service);
      assert.equal(perms[service].subscribe.includes('ucs.lines.list'), service === 'cti-gateway', service);
      assert.equal(perms[service].subscribe.some((s) => s.startsWith('ucs.pbx.')), service === 'pbx-adapter', service);
    }
  });

  it("busPermissions() lets each service subscribe to its own inbox only, never another's or _INBOX.>", () => {
    for (const service of busServices) {
      const inboxes = perms[service].subscribe.filter((s) => s.startsWith('_INBOX'));
      assert.deepEqual(inboxes, [`_INBOX.ucs.${service}.>`]);
    }
  });

  it('busPermissions() has no catch-all: every wildcard is one the table implies', () => {
    const allowedFullWildcards = /^(_INBOX\.ucs\.[a-z-]+\.>|\$JS\.API\.CONSUMER\.CREATE\.UCS_CALLS\.[a-z-]+\.>|\$JS\.ACK\.UCS_CALLS\.[a-z-]+\.>|\$KV\.UCS_[A-Z_]+\.>|\$JS\.API\.DIRECT\.GET\.KV_UCS_([A-Z_]+)\.\$KV\.UCS_\2\.>)$/;
    for (const service of busServices) {
      for (const s of [...perms[service].publish, ...perms[service].subscribe]) {
        if (s.endsWith('>')) assert.match(s, allowedFullWildcards, `${service}: ${s}`);
        assert.ok(s.startsWith('ucs.') || s.startsWith('_INBOX.ucs.') || s.startsWith('$JS.') || s.startsWith('$KV.UCS_'), `${service}: ${s} is outside the prefix`);
        assert.ok(!/^\$JS\.API\.(STREAM|CONSUMER)\.(DELETE|LIST|NAMES)/.test(s) && !/^\$JS\.API\.STREAM\.PURGE\.(?!KV_)/.test(s), `${service} may not delete, list or purge a stream: ${s}`);
      }
    }
  });

  it('busPermissions() for another prefix names only that prefix and its stream', () => {
    const other = busPermissions(new Subjects('e2e1'), 'pbx-adapter');
    for (const s of [...other.publish, ...other.subscribe]) assert.match(s, /^(e2e1\.|_INBOX\.e2e1\.|\$JS\.API\.INFO$|\$JS\.API\.STREAM\.[A-Z]+\.E2E1_CALLS$|\$JS\.API\.STREAM\.[A-Z.]+\.KV_E2E1_[A-Z_]+$|\$KV\.E2E1_[A-Z_]+\.>$|\$JS\.API\.DIRECT\.GET\.KV_E2E1_([A-Z_]+)\.\$KV\.E2E1_\2\.>$)/);
  });

  it('busPermissions() answers requests (allow_responses) only for services that serve commands', () => {
    for (const service of busServices) assert.equal(perms[service].allowResponses, busAccess[service].serves.length > 0);
  });
});
