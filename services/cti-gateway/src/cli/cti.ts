// The ENetUC command-line client: `npm run cti -- --user alice --password … [options]`.
// Logs in (TCP 7222, or the WebSocket with --url), monitors lines, optionally places or drops a call via
// CTI, and prints every event as it arrives (one line each, or JSON lines with --json).
import { parseArgs } from 'node:util';
import { EnetucClient, type ServerEvent } from '../client/EnetucClient.ts';
import { UsageError } from './errors.ts';

const USAGE = `usage: npm run cti -- --user LOGIN --password PW [options]
  --host H --port P        ENetUC TCP endpoint (default 127.0.0.1:7222)
  --url http://host:7224   use the web-service WebSocket instead of TCP
  --tls                    asnStartTLS on TCP (with --insecure to accept any certificate)
  --monitor N              monitor line N (repeatable; default: every own line)
  --call FROM:TO           asnCtiMakeCall from line FROM to number TO (third-party control)
  --drop CONNECTION_ID     asnCtiDropCall
  --answer CONNECTION_ID   asnCtiAnswerCall
  --hold CONNECTION_ID / --retrieve CONNECTION_ID
  --duration S             exit after S seconds (default: run until Ctrl-C, or right after a command with --once)
  --once                   exit after the command's result
  --json                   print events as JSON lines`;

function parse() {
  return parseArgs({
    options: {
      user: { type: 'string' },
      password: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '7222' },
      url: { type: 'string' },
      tls: { type: 'boolean' },
      insecure: { type: 'boolean' },
      monitor: { type: 'string', multiple: true },
      call: { type: 'string' },
      drop: { type: 'string' },
      answer: { type: 'string' },
      hold: { type: 'string' },
      retrieve: { type: 'string' },
      duration: { type: 'string' },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
}

function summary(e: ServerEvent): string {
  const a = e.argument as Record<string, unknown>;
  switch (e.name) {
    case 'asnCtiNotifyLineCallInformationChanged': {
      const ci = a.callinformation as Record<string, unknown>;
      return `line=${String(a.u8sLinePhoneNumber)} call=${String(ci.u8sConnectionID)} state=${String(ci.iCallState)} reason=${String(a.reason)} remote=${String(ci.u8sRemoteNumberSC)}`;
    }
    case 'asnCtiNotifyLineInfoChanged':
      return `line=${String(a.u8sLinePhoneNumber)} open=${String((a.lineInfo as Record<string, unknown>).iLineOpenStatus)}`;
    case 'asnCtiNotifyMakeCallResult':
      return `call=${String(a.u8sConnectionID)} success=${String(a.success)}`;
    default:
      return JSON.stringify(a).slice(0, 200);
  }
}

async function main(): Promise<number> {
  let v: ReturnType<typeof parse>;
  try {
    v = parse();
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (!v.user || v.password === undefined) {
    console.error(`error: --user and --password are required\n\n${USAGE}`);
    return 2;
  }
  const client = v.url
    ? await EnetucClient.connectWebSocket({ baseUrl: v.url, user: v.user, password: v.password })
    : await EnetucClient.connectTcp({ host: v.host, port: Number(v.port), ...(v.tls ? { tls: { rejectUnauthorized: !v.insecure } } : {}) });
  if (!v.url) await client.login(v.user, v.password, { softphone: false });
  const print = (e: ServerEvent): void => {
    if (v.json) console.log(JSON.stringify({ at: new Date().toISOString(), event: e.name, argument: e.argument }));
    else console.log(`${new Date().toISOString()} ${e.name} ${summary(e)}`);
  };
  client.on('event', print);
  client.on('close', (reason) => {
    console.error(`connection closed: ${reason}`);
    process.exit(1);
  });

  const { seqLines } = await client.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
  const monitored = v.monitor ?? seqLines.map((l) => l.u8sLinePhoneNumber);
  for (const line of monitored) {
    const m = await client.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: line.startsWith('tel:') ? line : `tel:${line}` });
    const status = m.lineInfo.iLineOpenStatus;
    console.log(v.json ? JSON.stringify({ monitor: m.u8sMonitorCrossRefID, line, open: status, calls: m.seqCalls.length }) : `monitoring ${line} (open status ${status}, ${m.seqCalls.length} call(s))`);
  }

  let result: unknown;
  if (v.call) {
    const [from, to] = v.call.split(':');
    if (!from || !to) throw new UsageError('--call expects FROM:TO');
    result = await client.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: from.startsWith('tel:') ? from : `tel:${from}`, u8sPhoneNumberTo: to, iNumberFormat: 0 });
  } else if (v.drop) {
    result = await client.invoke('asnCtiDropCall', { u8sConnectionID: v.drop });
  } else if (v.answer) {
    result = await client.invoke('asnCtiAnswerCall', { u8sConnectionID: v.answer });
  } else if (v.hold || v.retrieve) {
    result = await client.invoke('asnCtiHold', { bHold: Boolean(v.hold), u8sConnectionID: (v.hold ?? v.retrieve)! });
  }
  if (result !== undefined) console.log(v.json ? JSON.stringify({ result }) : `result ${JSON.stringify(result)}`);
  if (v.once) {
    client.removeAllListeners('close');
    client.close();
    return 0;
  }
  const duration = v.duration ? Number(v.duration) * 1000 : undefined;
  await new Promise<void>((resolve) => {
    if (duration !== undefined) setTimeout(resolve, duration);
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  client.removeAllListeners('close');
  client.sendEvent('asnLogoff', {});
  client.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
