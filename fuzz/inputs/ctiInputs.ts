// ENetUC inputs: valid invokes of real operations, mutated at the JSON level (ids, operations, argument
// members, huge strings, deep nesting, garbage) and, on TCP, at the framing level (length header,
// truncation, BER, invalid UTF-8, chunking). Each input carries what the server owes back, computed with
// the gateway's own reply table (decideInbound) for the JSON and by the framing rules for the stream.
import { decideInbound, encodeFrame } from '../../services/cti-gateway/src/codec/mod.ts';
import { findOperation } from '../../services/cti-gateway/src/protocol/mod.ts';
import type { Rng } from '../rng.ts';

/** A valid invoke of a real operation; arguments are what a client of the line 100 user sends. */
interface BaseInvoke {
  name: string;
  argument: Record<string, unknown>;
}

export const BASE_INVOKES: readonly BaseInvoke[] = [
  { name: 'asnSubscribeServices', argument: {} },
  { name: 'asnGetLoggedInContactV2', argument: {} },
  { name: 'asnTransportKeepAlive', argument: {} },
  { name: 'asnKeepAlive', argument: { dummy: null } },
  { name: 'asnAVGetIceServers', argument: {} },
  {
    name: 'asnNegotiateServerConnectionV2',
    argument: {
      u8sMinSupportedInterfaceVersion: '8.0.0',
      u8sMaxSupportedInterfaceVersion: '8.0.20240821',
      u8sClientDeviceId: 'fuzz',
      u8sClientVersion: '0.1.0',
      eClientAppID: 16,
      u8sClientDeviceName: 'fuzz',
      iClientCapabilities: 4,
    },
  },
  // logins of a user that does not exist (a throttle on them never touches the fuzzer's own user)
  { name: 'asnLoginV2', argument: { auth: { authBasic: { credential: Buffer.from('fuzz-nobody:wrong').toString('base64') } } } },
  { name: 'asnLoginV2', argument: { auth: { authBasic: { credential: 'not base64 at all!' } } } },
  { name: 'asnLoginV2', argument: { auth: { authBearer: { u8sJWT: 'a.b.c' } } } },
  { name: 'asnStartTLS', argument: {} },
  { name: 'asnLogoff', argument: {} },
  { name: 'asnCtiEnumPhoneLines', argument: {} },
  { name: 'asnCtiSnapshotPhoneLine', argument: { u8sLinePhoneNumber: '100' } },
  { name: 'asnCtiLineMonitorStart', argument: { u8sLinePhoneNumber: '100' } },
  { name: 'asnCtiLineMonitorStop', argument: { u8sMonitorCrossRefID: 'x' } },
  { name: 'asnCtiDropCall', argument: { u8sConnectionID: 'no-such-connection' } },
  { name: 'asnCtiAnswerCall', argument: { u8sConnectionID: 'no-such-connection' } },
  { name: 'asnCtiHold', argument: { u8sConnectionID: 'no-such-connection' } },
  { name: 'asnCtiDialDigits', argument: { u8sConnectionID: 'no-such-connection', iDigitMode: 0, iDigitDuration: 0, u8sDigitsToDial: '12#' } },
  { name: 'asnCtiSetForward', argument: { u8sPhoneNumberFrom: '100', u8sPhoneNumberTo: '' } },
  { name: 'asnCtiLineSetDoNotDisturb', argument: { u8sLinePhoneNumber: '100', bDoNotDisturb: false } },
  { name: 'asnGetJournalEntriesV2', argument: { findOptions: { iMaxNumEntries: 10 } } },
  { name: 'asnGetJournalEntriesCountV2', argument: {} },
  { name: 'asnJournalEntryGet', argument: { u8sConnectionID: 'x' } },
  { name: 'asnUpdateJournalReadFlag', argument: { u8sConnectionIDList: ['x'], bReadFlag: true } },
  { name: 'asnAVDropCall', argument: { dropTarget: { u8sCallID: 'no-such-call' }, u8sCause: 'fuzz', iAvDropReason: 0 } },
  { name: 'asnAVCallMessageV2', argument: { u8sCallID: 'no-such-call', endpointIDTo: 'x', endpointIDFrom: 'y', messageType: 5, u8sUriTo: 'sip:101@x' } },
];

/** What the server owes for one ROSE payload: replies to these ids (`null` = an invokednull reject). */
export interface RoseExpectation {
  replyIds: Array<number | null>;
  /** The gateway's decision, for reports. */
  decision: string;
}

/** The reply the gateway owes for `text` by the §2 table (the probe that follows checks the rest). */
export function expectationOf(text: string): RoseExpectation {
  const d = decideInbound(text, (idOrName) => findOperation(idOrName));
  switch (d.type) {
    case 'reject': {
      const id = d.reply.reject.invokedID;
      return { replyIds: ['invokedID' in id ? id.invokedID : null], decision: 'reject' };
    }
    case 'invoke':
      return { replyIds: d.replyExpected ? [d.invoke.invokeID] : [], decision: `invoke ${d.operation.name}` };
    default:
      return { replyIds: [], decision: d.type };
  }
}

const BAD_IDS: readonly unknown[] = [0, -1, 99999, 100000, 2 ** 31, 2 ** 53 + 1, 1.5, '12', 'abc', null, true, [], {}, '99999999999999999'];
const WRONG_VALUES: readonly unknown[] = [null, 0, -1, 2 ** 53, 1e308, '', 'x', true, [], {}, [1, 2], { _type: 'x' }, '\u0000', '\ud800'];

function invokeEnvelope(id: unknown, op: { id: number; name: string }, argument: unknown): Record<string, unknown> {
  return { invoke: { invokeID: id, operationID: op.id, operationName: op.name, argument } };
}

/** One JSON payload (text) and the mutation that made it. */
export interface RosePayload {
  text: string;
  mutation: string;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function hugeString(rng: Rng): string {
  return 'A'.repeat(rng.pick([70_000, 300_000, 900_000]));
}

const NEST_MARK = '__fuzz_nest__';

/** `{"a":{"a":…1…}}` `depth` levels deep, as text (JSON.stringify would overflow the stack). */
function nestedText(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A mutated ROSE payload around a valid invoke of a real operation, with invokeID `id` (1..89999). */
export function rosePayload(rng: Rng, id: number): RosePayload {
  const base = rng.pick(BASE_INVOKES);
  const op = findOperation(base.name);
  if (!op) throw new Error(`fuzz: unknown base operation ${base.name}`);
  const arg = structuredClone(base.argument);
  const keys = Object.keys(arg);
  const kind = rng.int(0, 13);
  switch (kind) {
    case 0:
    case 1:
      return { text: JSON.stringify(invokeEnvelope(id, op, arg)), mutation: `valid ${base.name}` };
    case 2: {
      const opId = rng.pick([0, 1, 99, 1499, 65535, -5, 2 ** 40]);
      const name = rng.pick([undefined, '', 'asnNoSuchOperation', 'constructor', '__proto__', 'toString', base.name]);
      return { text: JSON.stringify({ invoke: { invokeID: id, operationID: opId, operationName: name, argument: arg } }), mutation: `unknown operation ${opId}/${String(name)}` };
    }
    case 3: {
      const bad = rng.pick(BAD_IDS);
      return { text: JSON.stringify(invokeEnvelope(bad, op, arg)), mutation: `invokeID ${JSON.stringify(bad)}` };
    }
    case 4: {
      if (keys.length === 0) (arg as Record<string, unknown>)['extra'] = rng.pick(WRONG_VALUES);
      else delete (arg as Record<string, unknown>)[rng.pick(keys)];
      return { text: JSON.stringify(invokeEnvelope(id, op, arg)), mutation: `member missing/extra ${base.name}` };
    }
    case 5: {
      const key = keys.length > 0 ? rng.pick(keys) : 'x';
      const value = rng.pick(WRONG_VALUES);
      (arg as Record<string, unknown>)[key] = value;
      return { text: JSON.stringify(invokeEnvelope(id, op, arg)), mutation: `wrong type ${base.name}.${key}=${JSON.stringify(value)}` };
    }
    case 6: {
      const key = keys.length > 0 ? rng.pick(keys) : 'u8sHuge';
      (arg as Record<string, unknown>)[key] = hugeString(rng);
      return { text: JSON.stringify(invokeEnvelope(id, op, arg)), mutation: `huge string ${base.name}.${key}` };
    }
    case 7: {
      const depth = rng.pick([100, 1000, 5000]);
      const key = keys.length > 0 ? rng.pick(keys) : 'deep';
      (arg as Record<string, unknown>)[key] = NEST_MARK;
      return { text: JSON.stringify(invokeEnvelope(id, op, arg)).replace(`"${NEST_MARK}"`, nestedText(depth)), mutation: `nesting ${depth} in ${base.name}.${key}` };
    }
    case 8: {
      const garbage = rng.pick([
        () => '{',
        () => '{"invoke":',
        () => 'null',
        () => '[]',
        () => '[1,2]',
        () => '123',
        () => '"text"',
        () => '{}',
        () => '{"invoke":null}',
        () => '{"invoke":{}}',
        () => `{"result":{"invokeID":${id},"result":{"resultValue":0,"result":{}}}}`,
        () => `{"error":{"invokedID":${id},"error_value":1,"error":{}}}`,
        () => `{"reject":{"invokedID":{"invokedID":${id}},"reject":{"generalProblem":0}}}`,
        () => `{"invoke":{"invokeID":${id},"operationID":${op.id}},"result":{}}`,
        () => `{"invoke":{"invokeID":${id},"operationID":${op.id},"argument":${JSON.stringify(arg)}}`.slice(0, rng.int(5, 40)),
        () => `{${rng.ascii(rng.int(1, 200)).replace(/[{}[\]]/g, '')}}`,
      ])();
      return { text: garbage, mutation: 'garbage JSON' };
    }
    case 9: {
      const env = invokeEnvelope(id, op, arg) as { invoke: Record<string, unknown> };
      const field = rng.pick(['sessionID', 'operationName', 'linked_ID', 'argument']);
      env.invoke[field] = rng.pick(WRONG_VALUES);
      return { text: JSON.stringify(env), mutation: `envelope ${field}` };
    }
    case 10: {
      const key = keys.length > 0 ? rng.pick(keys) : 'u8sX';
      (arg as Record<string, unknown>)[key] = rng.pick(['\u0000\u0001\u0002', '\ud800', '\uffff'.repeat(100), '\u202e\u200b', '%00%0d%0a', '\r\nX-Injected: 1']);
      return { text: JSON.stringify(invokeEnvelope(id, op, arg)), mutation: `control characters ${base.name}.${key}` };
    }
    case 11: {
      // many members / long arrays
      const n = rng.pick([1000, 20_000]);
      const big: Record<string, unknown> = { ...arg };
      for (let i = 0; i < n; i++) big[`k${i}`] = i;
      return { text: JSON.stringify(invokeEnvelope(id, op, big)), mutation: `${n} extra members ${base.name}` };
    }
    case 12: {
      const list = Array.from({ length: rng.pick([1000, 50_000]) }, (_, i) => `x${i}`);
      return { text: JSON.stringify(invokeEnvelope(id, op, { ...arg, u8sConnectionIDList: list })), mutation: `long list ${base.name}` };
    }
    default: {
      // a one-element array wrapper (the UCWeb convention) around a valid invoke
      return { text: JSON.stringify([invokeEnvelope(id, op, arg)]), mutation: `array-wrapped ${base.name}` };
    }
  }
}

/** Bytes on TCP 7222 for one input and what the stream owes. */
export interface TcpInput {
  chunks: Buffer[];
  mutation: string;
  replyIds: Array<number | null>;
  /** The frame breaks the stream (bad header, truncation, invalid UTF-8, BER): we half-close and the server must close. */
  breaksStream: boolean;
}

/** A TCP input: a ROSE payload in a (possibly broken) J-frame or bare JSON. */
export function tcpInput(rng: Rng, id: number): TcpInput {
  const payload = rosePayload(rng, id);
  const body = Buffer.from(payload.text, 'utf8');
  const ok = (chunks: Buffer[], framing: string): TcpInput => {
    // Over 1 MiB the decoder refuses the frame (UCS_ERR_FRAMING_TOO_LARGE) and closes.
    const tooLarge = body.length > 1_048_576;
    const e = tooLarge ? { replyIds: [] } : expectationOf(payload.text);
    return { chunks, mutation: `${framing}: ${payload.mutation}`, replyIds: e.replyIds, breaksStream: tooLarge };
  };
  const broken = (chunks: Buffer[], framing: string): TcpInput => ({ chunks, mutation: `${framing}: ${payload.mutation}`, replyIds: [], breaksStream: true });
  const framed = (): Buffer => Buffer.concat([Buffer.from(`J${String(body.length).padStart(7, '0')}`, 'latin1'), body]);
  const kind = rng.int(0, 20);
  if (kind < 10 && body.length <= 9_999_999) return ok([framed()], 'J-frame');
  if (kind === 20) {
    // a burst in one write: invokes (each owed a result or a busy reject) or events (never answered;
    // a flood may close the connection: event backlog)
    const n = rng.pick([20, 200, 2000]);
    const events = rng.chance(0.5);
    const sub = findOperation(events ? 'asnKeepAlive' : 'asnSubscribeServices')!;
    const frames = Array.from({ length: n }, (_, i) => encodeFrame(JSON.stringify(invokeEnvelope(events ? 99_999 : 50_000 + i, sub, events ? { dummy: null } : {})), 'json-framed'));
    return { chunks: [Buffer.concat(frames)], mutation: `burst of ${n} ${events ? 'events' : 'invokes'} in one write`, replyIds: events ? [] : frames.map((_, i) => 50_000 + i), breaksStream: false };
  }
  switch (kind) {
    case 10: {
      // Bare JSON ends where its brackets balance: only well-formed JSON objects/arrays are sent bare (an
      // unbalanced text would leave the server waiting for the rest, rightly).
      const t = payload.text;
      if ((t.startsWith('{') || t.startsWith('[')) && isJson(t)) return ok([Buffer.from(t, 'utf8')], 'bare JSON');
      return ok([framed()], 'J-frame');
    }
    case 11: {
      const f = framed();
      const chunks: Buffer[] = [];
      for (let i = 0; i < f.length; i += 1 + (i % 7)) chunks.push(f.subarray(i, Math.min(f.length, i + 1 + (i % 7))));
      return ok(chunks.length > 4096 ? [f] : chunks, 'J-frame in small chunks');
    }
    case 12:
      return ok([Buffer.from('\r\n \t'), framed(), Buffer.from('\n')], 'J-frame with whitespace around');
    case 13: {
      const header = rng.pick(['J-000010', 'Jabcdefg', 'J00001 0', 'J+000010', 'J9999999', 'J1048577', 'j0000010', 'J0x00010', 'J\u00e40000010']);
      return broken([Buffer.from(header, 'utf8'), body], `bad length '${header}'`);
    }
    case 14: {
      const f = framed();
      return broken([f.subarray(0, rng.int(1, Math.max(1, f.length - 1)))], 'truncated J-frame');
    }
    case 15: {
      // a length shorter than the payload: the rest is parsed as the next message
      const n = Math.max(0, body.length - rng.int(1, Math.max(1, body.length)));
      return broken([Buffer.concat([Buffer.from(`J${String(n).padStart(7, '0')}`), body])], 'length too short');
    }
    case 16:
      return broken([Buffer.concat([Buffer.from([rng.int(0xa1, 0xa4), 0x80]), rng.bytes(rng.int(0, 64))])], 'BER');
    case 17: {
      const bad = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]);
      const b = Buffer.concat([body.subarray(0, 10), bad, body.subarray(10)]);
      return broken([Buffer.concat([Buffer.from(`J${String(b.length).padStart(7, '0')}`), b])], 'invalid UTF-8');
    }
    case 18:
      return broken([rng.bytes(rng.int(1, 2048))], 'random bytes');
    default: {
      // two frames in one write: a valid invoke then the mutated one
      const first = encodeFrame(JSON.stringify(invokeEnvelope(id + 1, findOperation('asnSubscribeServices')!, {})), 'json-framed');
      const second = ok([framed()], 'J-frame');
      return { ...second, chunks: [Buffer.concat([first, framed()])], mutation: `two frames in one write: ${payload.mutation}`, replyIds: second.breaksStream ? [] : [id + 1, ...second.replyIds] };
    }
  }
}

/** One WebSocket input: text (ROSE) or binary frames; oversize and invalid UTF-8 text close the socket. */
export interface WsInput {
  data: Buffer;
  binary: boolean;
  mutation: string;
  replyIds: Array<number | null>;
  /** The WebSocket must be closed by the server (binary frame, oversize, invalid UTF-8 text). */
  breaksStream: boolean;
}

export function wsInput(rng: Rng, id: number): WsInput {
  const payload = rosePayload(rng, id);
  const kind = rng.int(0, 19);
  if (kind < 15) {
    const data = Buffer.from(payload.text, 'utf8');
    if (data.length > 1_048_576) return { data, binary: false, mutation: `oversize text: ${payload.mutation}`, replyIds: [], breaksStream: true };
    return { data, binary: false, mutation: `text: ${payload.mutation}`, ...expectationOf(payload.text), breaksStream: false };
  }
  if (kind < 17) return { data: Buffer.from(payload.text, 'utf8'), binary: true, mutation: `binary frame: ${payload.mutation}`, replyIds: [], breaksStream: true };
  if (kind < 18) return { data: Buffer.alloc(1_048_577, 0x20), binary: false, mutation: 'oversize text frame (1 MiB + 1)', replyIds: [], breaksStream: true };
  return { data: Buffer.concat([Buffer.from('{"invoke":'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('}')]), binary: false, mutation: 'invalid UTF-8 text frame', replyIds: [], breaksStream: true };
}
