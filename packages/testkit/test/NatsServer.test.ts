// NatsServer's start against a stand-in nats-server (a shell script first on PATH) that behaves as the real
// one did under load: it creates its ports file, and writes the JSON into it only a moment later. The
// multi-host fault test read the empty file and failed to start ("Unexpected end of JSON input"), and the
// server processes it had started kept the test process alive.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NatsServer } from '../src/NatsServer.ts';

const bin = mkdtempSync(join(tmpdir(), 'ucs-fake-nats-'));
const savedPath = process.env.PATH;
process.env.PATH = `${bin}:${savedPath}`;
after(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

/** A stand-in that creates `<dir>/fake.ports` empty, then runs `body` (shell; `$dir` is the ports file's directory). */
function fake(body: string): void {
  writeFileSync(join(bin, 'nats-server'), `#!/bin/sh
dir=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--ports_file_dir" ]; then dir="$2"; fi
  shift
done
: > "$dir/fake.ports"
${body}
`);
  chmodSync(join(bin, 'nats-server'), 0o755);
}

test('NatsServer.start: a ports file created empty and written 0.4 s later is read once written', async () => {
  fake(`sleep 0.4
printf '{"nats":["nats://127.0.0.1:4999"]}' > "$dir/fake.ports"
exec sleep 30`);
  const server = await NatsServer.start({ jetstream: false });
  try {
    assert.equal(server.port, 4999);
  } finally {
    await server.dispose();
  }
});

test('NatsServer.start: a server that never writes its ports file fails the start after 5 s, and its process is stopped', async () => {
  fake(`echo $$ > ${join(bin, 'pid')}
exec sleep 30`);
  await assert.rejects(NatsServer.start({ jetstream: false }), /nats-server ports file/);
  const pid = Number(readFileSync(join(bin, 'pid'), 'utf8'));
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the stand-in was stopped');
});
