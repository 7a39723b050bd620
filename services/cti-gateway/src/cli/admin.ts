// The admin CLI: `npm run admin -- <command>`. Talks to the admin REST API of a running cti-gateway.
import { parseArgs } from 'node:util';
import { AdminClient } from './AdminClient.ts';
import { AdminApiError, AdminResponseError, UsageError } from './errors.ts';
import { writeFileSync } from 'node:fs';
import { seed } from './seed.ts';

const USAGE = `usage: npm run admin -- <command> [options]

  user add <login> --password P [--admin] [--name "Display Name"]
  user list
  user remove <login>
  user passwd <login> --password P      (closes the user's sessions, kills their tokens)
  user disable|enable <login>           (disable: no login, sessions closed, tokens killed)
  line add <number> --registrar host:port [--owner LOGIN] [--auth-user U] [--auth-password P]
                    [--transport udp|tcp|tls] [--name "Display Name"] [--sip-uri sip:…] [--disabled]
  line list
  line remove <number>
  line enable|disable <number>
  line capture <number> on|off   capture every call of the line from its first packet
  pickup-group add <name> [--lines 101,102] [--users bob,carol]   who may pick up each other's calls
  pickup-group set <name> [--lines …] [--users …] [--rename NEW]   replace the members (and name)
  pickup-group list
  pickup-group remove <name>
  calls                      active calls
  journal [--line N] [--user LOGIN] [--limit N]
  nodes                      live media nodes
  capture start <callId|line> [--max-seconds N] [--max-bytes N]   (a line: its newest active call)
  capture stop <callId|line>
  capture get <callId> [-o file.pcapng]   the call's newest stopped capture (default call-<callId>.pcapng)
  capture list [--call <callId>]
  capture delete <captureId>
  seed [--registrar host:port]   demo users and lines for the test PBX (infra/pbx)

connection: --url (UCS_ADMIN_URL, default http://127.0.0.1:7224)
            --token (UCS_ADMIN_TOKEN or ADMIN_TOKEN) or --user/--password of an admin user
            --json prints raw JSON`;

function parse() {
  return parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    admin: { type: 'boolean' },
    name: { type: 'string' },
    registrar: { type: 'string' },
    owner: { type: 'string' },
    'auth-user': { type: 'string' },
    'auth-password': { type: 'string' },
    transport: { type: 'string' },
    'sip-uri': { type: 'string' },
    disabled: { type: 'boolean' },
    line: { type: 'string' },
    limit: { type: 'string' },
    call: { type: 'string' },
    'max-seconds': { type: 'string' },
    'max-bytes': { type: 'string' },
    output: { type: 'string', short: 'o' },
    lines: { type: 'string' },
    users: { type: 'string' },
    rename: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
  });
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  console.log(columns.map((c, i) => c.toUpperCase().padEnd(widths[i]!)).join('  '));
  for (const row of cells) console.log(row.map((v, i) => v.padEnd(widths[i]!)).join('  '));
}

let values: ReturnType<typeof parse>['values'];
let positionals: string[];

async function main(): Promise<void> {
  try {
    ({ values, positionals } = parse());
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  // In `user add alice --password P`, --password is the new user's; the connection then needs a token.
  const creatingWithPassword = positionals[0] === 'user' && (positionals[1] === 'add' || positionals[1] === 'passwd');
  const client = new AdminClient({
    baseUrl: values.url ?? process.env.UCS_ADMIN_URL ?? 'http://127.0.0.1:7224',
    token: values.token ?? process.env.UCS_ADMIN_TOKEN ?? process.env.ADMIN_TOKEN,
    user: creatingWithPassword ? undefined : values.user,
    password: creatingWithPassword ? undefined : values.password,
  });
  const [area, verb, arg] = positionals;
  switch (`${area} ${verb ?? ''}`.trim()) {
    case 'user add': {
      const u = await client.request<Record<string, unknown>>('POST', '/users', {
        login: need(arg, 'login'),
        password: need(values.password, '--password'),
        role: values.admin ? 'admin' : 'user',
        ...(values.name ? { displayName: values.name } : {}),
      });
      console.log(values.json ? JSON.stringify(u) : `user ${String(u.login)} created (${String(u.role)})`);
      return;
    }
    case 'user list':
      table(await client.request('GET', '/users'), ['login', 'displayName', 'role', 'disabled', 'createdAt']);
      return;
    case 'user remove':
      await client.request('DELETE', `/users/${encodeURIComponent(need(arg, 'login'))}`);
      console.log(`user ${arg} removed`);
      return;
    case 'user passwd':
      await client.request('PATCH', `/users/${encodeURIComponent(need(arg, 'login'))}`, { password: need(values.password, '--password') });
      console.log(`password of ${arg} changed`);
      return;
    case 'user disable':
    case 'user enable':
      await client.request('PATCH', `/users/${encodeURIComponent(need(arg, 'login'))}`, { disabled: verb === 'disable' });
      console.log(`user ${arg} ${verb}d`);
      return;
    case 'line add': {
      const transport = values.transport;
      if (transport !== undefined && !['udp', 'tcp', 'tls'].includes(transport)) throw new UsageError(`--transport must be udp, tcp or tls (got '${transport}')`);
      const l = await client.request<Record<string, unknown>>('POST', '/lines', {
        number: need(arg, 'number'),
        registrar: need(values.registrar, '--registrar'),
        ...(values.owner ? { owner: values.owner } : {}),
        ...(values['auth-user'] ? { authUser: values['auth-user'] } : {}),
        ...(values['auth-password'] ? { authPassword: values['auth-password'] } : {}),
        ...(transport ? { transport } : {}),
        ...(values.name ? { displayName: values.name } : {}),
        ...(values['sip-uri'] ? { sipUri: values['sip-uri'] } : {}),
        ...(values.disabled ? { enabled: false } : {}),
      });
      console.log(values.json ? JSON.stringify(l) : `line ${String(l.number)} created (${String(l.sipUri)} via ${String(l.registrar)}/${String(l.transport)})`);
      return;
    }
    case 'line list': {
      const lines = await client.request<Array<Record<string, unknown> & { registration: { status: string } | null }>>('GET', '/lines');
      table(lines.map((l) => ({ ...l, registration: l.registration?.status ?? '-' })), ['number', 'displayName', 'owner', 'registrar', 'transport', 'enabled', 'registration']);
      return;
    }
    case 'line remove':
      await client.request('DELETE', `/lines/${encodeURIComponent(need(arg, 'number'))}`);
      console.log(`line ${arg} removed`);
      return;
    case 'line enable':
    case 'line disable':
      await client.request('PATCH', `/lines/${encodeURIComponent(need(arg, 'number'))}`, { enabled: verb === 'enable' });
      console.log(`line ${arg} ${verb}d`);
      return;
    case 'line capture': {
      const state = positionals[3];
      if (state !== 'on' && state !== 'off') throw new UsageError(`line capture <number> on|off (got '${state ?? ''}')`);
      const p = await client.request<Record<string, unknown>>('PUT', `/lines/${encodeURIComponent(need(arg, 'number'))}/capture`, { enabled: state === 'on' });
      console.log(values.json ? JSON.stringify(p) : `capture of every call of line ${arg}: ${p.enabled ? 'on' : 'off'}`);
      return;
    }
    case 'pickup-group add':
    case 'pickup-group set': {
      const name = need(arg, 'group name');
      const body = { name: verb === 'set' ? (values.rename ?? name) : name, lines: list(values.lines), users: list(values.users) };
      const g = verb === 'add'
        ? await client.request<Record<string, unknown>>('POST', '/pickup-groups', body)
        : await client.request<Record<string, unknown>>('PUT', `/pickup-groups/${encodeURIComponent(name)}`, body);
      console.log(values.json ? JSON.stringify(g) : `pickup group ${String(g.name)}: lines ${String(g.lines) || '-'}, users ${String(g.users) || '-'}`);
      return;
    }
    case 'pickup-group list': {
      const groups = await client.request<Array<Record<string, unknown> & { lines: string[]; users: string[] }>>('GET', '/pickup-groups');
      table(groups.map((g) => ({ ...g, lines: g.lines.join(','), users: g.users.join(',') })), ['name', 'lines', 'users', 'updatedAt']);
      return;
    }
    case 'pickup-group remove':
      await client.request('DELETE', `/pickup-groups/${encodeURIComponent(need(arg, 'group name'))}`);
      console.log(`pickup group ${arg} removed`);
      return;
    case 'calls':
      table(await client.request('GET', '/calls'), ['callId', 'line', 'direction', 'state', 'remoteNumber', 'createdAt', 'mediaNode', 'mediaPath']);
      return;
    case 'journal': {
      const q = new URLSearchParams();
      if (values.line) q.set('line', values.line);
      if (values.user) q.set('user', values.user);
      q.set('limit', values.limit ?? '50');
      const page = await client.request<{ entries: Array<Record<string, unknown>>; total: number }>('GET', `/journal?${q}`);
      table(page.entries, ['startedAt', 'lineNumber', 'direction', 'remoteNumber', 'durationS', 'disconnectCause', 'mediaPath', 'mediaNode']);
      if (!values.json) console.log(`${page.entries.length} of ${page.total}`);
      return;
    }
    case 'nodes':
      table(await client.request('GET', '/media/nodes'), ['nodeId', 'addresses', 'workersAlive', 'calls', 'load', 'draining', 'lastSeen']);
      return;
    case 'capture start': {
      const callId = await callOf(client, need(arg, 'call id or line'));
      const body = { ...(values['max-seconds'] ? { maxSeconds: int(values['max-seconds'], '--max-seconds') } : {}), ...(values['max-bytes'] ? { maxBytes: int(values['max-bytes'], '--max-bytes') } : {}) };
      const c = await client.request<Record<string, unknown>>('POST', `/calls/${encodeURIComponent(callId)}/capture`, body);
      console.log(values.json ? JSON.stringify(c) : `capture ${String(c.captureId)} of call ${callId} started on ${String(c.nodeId)} (max ${String(c.maxSeconds)} s, ${String(c.maxBytes)} bytes)`);
      return;
    }
    case 'capture stop': {
      const callId = await callOf(client, need(arg, 'call id or line'));
      const c = await client.request<Record<string, unknown>>('DELETE', `/calls/${encodeURIComponent(callId)}/capture`);
      console.log(values.json ? JSON.stringify(c) : `capture ${String(c.captureId)} of call ${callId} stopped: ${String(c.packets)} packets, ${String(c.bytes)} bytes`);
      return;
    }
    case 'capture get': {
      const callId = need(arg, 'call id');
      const file = await client.download(`/calls/${encodeURIComponent(callId)}/capture.pcapng`);
      const out = values.output ?? `call-${callId}.pcapng`;
      writeFileSync(out, file);
      console.log(`${out}: ${file.length} bytes`);
      return;
    }
    case 'capture list': {
      const q = values.call ? `?callId=${encodeURIComponent(values.call)}` : '';
      const list = await client.request<Array<Record<string, unknown>>>('GET', `/captures${q}`);
      table(list.map((c) => ({ ...c, startedAt: new Date(Number(c.startedAt)).toISOString() })), ['captureId', 'callId', 'nodeId', 'state', 'stopReason', 'startedBy', 'startedAt', 'packets', 'bytes']);
      return;
    }
    case 'capture delete':
      await client.request('DELETE', `/captures/${encodeURIComponent(need(arg, 'capture id'))}`);
      console.log(`capture ${arg} deleted`);
      return;
    case 'seed':
      await seed(client, { registrar: values.registrar ?? process.env.PBX_REGISTRAR ?? '127.0.0.1:5060' }, (line) => console.log(line));
      return;
    default:
      throw new UsageError(`unknown command '${positionals.join(' ')}'`);
  }
}

/** `a,b, c` → ['a', 'b', 'c']; nothing → []. */
function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
}

function int(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number (got '${text}')`);
  return Number(text);
}

/** An active call's id, or the newest active call of a line. */
async function callOf(client: AdminClient, callOrLine: string): Promise<string> {
  const calls = await client.request<Array<{ callId: string; line: string; state: string; createdAt: string }>>('GET', '/calls');
  if (calls.some((c) => c.callId === callOrLine)) return callOrLine;
  const ofLine = calls.filter((c) => c.line === callOrLine && c.state !== 'disconnected').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (ofLine.length === 0) return callOrLine; // unknown: the API answers 404 for it
  return ofLine[0]!.callId;
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof AdminApiError) {
    console.error(`error: ${err.message} (HTTP ${err.status}, ${err.remoteCode ?? err.code})`);
    process.exit(1);
  }
  if (err instanceof AdminResponseError) {
    console.error(`error: ${err.message} (HTTP ${err.status}, ${err.code})`);
    process.exit(1);
  }
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
});
