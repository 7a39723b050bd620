/**
 * The V1 operation names estos's samples still call (the web-service examples `ChangePresence.html`,
 * `SimpleSession.html`), served by the V2 implementations. The public modules publish neither their
 * ids nor their ASN.1 any more (only the HTML reference of their members), so they are addressed by
 * name (`operationID` 0, as the samples send them); an id we do not know is an unknown operation.
 *
 * - An inbound V1 invoke is rewritten into its V2 invoke (name, and the argument where V1 differs) before
 *   the reply table sees it; the session answers with the V2 result renamed to the V1 `_type`.
 * - A V1 subscription (`asnGetAndSubscribePresence`) gets its updates as the V1 event `asnUpdatePresence`
 *   (`AsnUpdatePresenceArgument`, with the V1 member `iAbsentState` beside `eAbsentState`).
 */
import type { RoseInvokeWire, RoseResultWire } from '../codec/mod.ts';
import type { InvokeOperationName } from './registry.ts';

type AnyObject = Record<string, unknown>;

export interface LegacyOperation {
  /** The V2 operation that serves it. */
  readonly v2: InvokeOperationName;
  /** `_type` of the V1 result. */
  readonly resultType: string;
  /** V1 argument → V2 argument (lenient: anything it does not know is left to the V2 schema). */
  readonly argument?: (v1: AnyObject) => AnyObject;
}

function isObject(v: unknown): v is AnyObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** V1 `AsnAbsentState` (iAbsentState, u8sMessage …) → `AsnAbsentStateV2`. */
function absentStateV2(v1: unknown): unknown {
  if (!isObject(v1)) return v1;
  const { iAbsentState, eAbsentState, u8sContactId, stTimeFrom, stTimeTo, iPresenceState } = v1;
  return {
    u8sContactId,
    eAbsentState: eAbsentState ?? iAbsentState,
    ...(typeof stTimeFrom === 'string' && stTimeFrom !== '' ? { stTimeFrom } : {}),
    ...(typeof stTimeTo === 'string' && stTimeTo !== '' ? { stTimeTo } : {}),
    ...(typeof iPresenceState === 'number' && iPresenceState !== 0 ? { iPresenceState } : {}),
  };
}

/** The V1 names and the V2 operations behind them. */
export const LegacyOperations: Readonly<Record<string, LegacyOperation>> = Object.freeze({
  asnGetLoggedInContact: { v2: 'asnGetLoggedInContactV2', resultType: 'AsnGetLoggedInContactResult' },
  asnGetAndSubscribePresence: { v2: 'asnGetAndSubscribePresenceV2', resultType: 'AsnGetAndSubscribePresenceResult' },
  asnAbsentStateSetUser: {
    v2: 'asnSetUserAbsentState',
    resultType: 'AsnAbsentStateSetUserResult',
    argument: (v1) => ({ absentstate: absentStateV2(v1.absentstate) }),
  },
  asnAbsentStateReset: { v2: 'asnResetUserAbsentState', resultType: 'AsnAbsentStateResetResult' },
});

/** The V1 presence event and its argument type. */
export const LEGACY_PRESENCE_EVENT = { name: 'asnUpdatePresence', argumentType: 'AsnUpdatePresenceArgument' } as const;

const NAME_RE = /"operationName"\s*:\s*"(asnGetLoggedInContact|asnGetAndSubscribePresence|asnAbsentStateSetUser|asnAbsentStateReset)"/;

/**
 * When `text` is an invoke of a V1 name: the V2 invoke to run instead and the V1 name. Anything else
 * (including text that does not parse: the reply table answers it) comes back unchanged.
 */
export function adaptLegacyInvoke(text: string): { input: unknown; legacy?: string } {
  if (!NAME_RE.test(text)) return { input: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { input: text };
  }
  const wrapped = Array.isArray(parsed) && parsed.length === 1;
  const message = wrapped ? (parsed as unknown[])[0] : parsed;
  if (!isObject(message) || !isObject(message.invoke)) return { input: text };
  const invoke = message.invoke;
  const name = invoke.operationName;
  const legacy = typeof name === 'string' && Object.hasOwn(LegacyOperations, name) ? LegacyOperations[name] : undefined;
  // a V1 name with an id we do not know: leave it to the reply table (unknown operation)
  if (!legacy || (invoke.operationID !== 0 && invoke.operationID !== undefined)) return { input: text };
  const argument = isObject(invoke.argument) ? invoke.argument : {};
  const { _type: _ignored, ...members } = argument;
  const v2Argument = legacy.argument ? legacy.argument(members) : members;
  return { input: { invoke: { ...invoke, operationID: 0, operationName: legacy.v2, argument: v2Argument } }, legacy: name as string };
}

/** A V2 result wire renamed to the V1 result type of `legacy`. */
export function legacyResult(legacy: string, wire: RoseResultWire): RoseResultWire {
  const op = LegacyOperations[legacy];
  if (!op) return wire;
  const { _type: _v2, ...members } = wire.result.result.result;
  return { result: { ...wire.result, result: { ...wire.result.result, result: { _type: op.resultType, ...members } } } };
}

/** An `asnUpdatePresenceV2` event wire as the V1 `asnUpdatePresence` (operationID 0, by name). */
export function legacyPresenceEvent(v2: RoseInvokeWire): RoseInvokeWire {
  const argument = v2.invoke.argument as AnyObject;
  const presence = isObject(argument.presence) ? { ...argument.presence } : {};
  if (isObject(presence.asnAbsentState)) {
    presence.asnAbsentState = { ...presence.asnAbsentState, iAbsentState: presence.asnAbsentState.eAbsentState };
  }
  const { _type: _v2, ...members } = argument;
  return {
    invoke: {
      ...v2.invoke,
      operationID: 0,
      operationName: LEGACY_PRESENCE_EVENT.name,
      argument: { _type: LEGACY_PRESENCE_EVENT.argumentType, ...members, presence },
    },
  };
}
