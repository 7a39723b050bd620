// Schema rows for every operation: a happy row per argument and result (decoded, and re-encoded to the
// same canonical JSON), failing rows for each mandatory member (missing, wrong JSON type), then explicit
// leniency rows (§3 "accept") and output canonicalisation rows (§3 "send").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { RoseEncodeError, serializeRose } from '../../src/codec/mod.ts';
import {
  buildEvent,
  buildResult,
  decodeArgument,
  operations,
  type AnyOperation,
  type OperationName,
} from '../../src/protocol/mod.ts';
import { argumentSamples, callInformation, lineInfo, resultSamples } from './samples.ts';

interface Row {
  name: string;
  schema: z.ZodType;
  input: unknown;
}

function isObjectSchema(schema: z.ZodType): schema is z.ZodObject {
  return schema instanceof z.ZodObject;
}

/** Failing rows derived from a valid sample: each mandatory member removed, and given a wrong JSON type. */
function failingRows(label: string, schema: z.ZodType, sample: unknown): Row[] {
  const rows: Row[] = [{ name: `${label} that is not an object`, schema, input: ['not', 'an', 'object'] }];
  if (!isObjectSchema(schema)) {
    // CHOICE: no alternative present, or the alternative of the wrong type
    rows.push({ name: `${label} with no CHOICE alternative`, schema, input: {} });
    const [alt] = Object.keys(sample as object);
    rows.push({ name: `${label} with CHOICE alternative '${alt}' not an object`, schema, input: { [alt!]: 'bogus' } });
    return rows;
  }
  const value = sample as Record<string, unknown>;
  for (const [key, member] of Object.entries(schema.shape)) {
    const mandatory = (member as z.ZodType)._zod.optin === undefined;
    if (!mandatory) continue;
    const { [key]: removed, ...rest } = value;
    rows.push({ name: `${label} without mandatory '${key}'`, schema, input: rest });
    if (removed === null) continue; // NULL members accept any value
    const wrong = typeof removed === 'object' ? 'bogus' : { bogus: true };
    rows.push({ name: `${label} with '${key}' of the wrong JSON type`, schema, input: { ...value, [key]: wrong } });
  }
  return rows;
}

const allOperations = Object.values(operations) as AnyOperation[];

describe('operation schemas: happy rows', () => {
  for (const op of allOperations) {
    test(`${op.name} argument sample decodes and re-encodes to the same canonical JSON`, () => {
      const sample = argumentSamples[op.name as OperationName];
      const decoded = op.argument.parse(sample);
      assert.equal(JSON.stringify(z.encode(op.argument, decoded as never)), JSON.stringify(sample));
    });
    if (op.kind === 'invoke') {
      test(`${op.name} result sample decodes and re-encodes to the same canonical JSON`, () => {
        const sample = resultSamples[op.name as keyof typeof resultSamples];
        const decoded = op.result.parse(sample);
        assert.equal(JSON.stringify(z.encode(op.result, decoded as never)), JSON.stringify(sample));
      });
    }
  }
});

describe('operation schemas: failing rows', () => {
  for (const op of allOperations) {
    const rows = failingRows(`${op.name} argument`, op.argument, argumentSamples[op.name as OperationName]);
    if (op.kind === 'invoke') {
      rows.push(...failingRows(`${op.name} result`, op.result, resultSamples[op.name as keyof typeof resultSamples]));
    }
    test(`${op.name}: ${rows.length} malformed arguments/results fail to decode`, () => {
      for (const row of rows) assert.equal(row.schema.safeParse(row.input).success, false, row.name);
    });
  }

  test('every operation has at least one happy and one failing argument row', () => {
    for (const op of allOperations) {
      assert.ok(op.name in argumentSamples, op.name);
      assert.ok(failingRows(op.name, op.argument, argumentSamples[op.name as OperationName]).length >= 1, op.name);
    }
  });

  const nested: Row[] = [
    {
      name: 'asnCtiLineMonitorStart result with lineInfo.iType a string',
      schema: operations.asnCtiLineMonitorStart.result,
      input: { ...resultSamples.asnCtiLineMonitorStart, lineInfo: { ...lineInfo, iType: 'one' } },
    },
    {
      name: 'asnCtiNotifyLineCallInformationChanged with callinformation.projectPinRule missing',
      schema: operations.asnCtiNotifyLineCallInformationChanged.argument,
      input: {
        ...argumentSamples.asnCtiNotifyLineCallInformationChanged,
        callinformation: { ...callInformation, projectPinRule: undefined },
      },
    },
    {
      name: 'asnCtiNotifyLineCallInformationChanged with utcCallCreated not a time',
      schema: operations.asnCtiNotifyLineCallInformationChanged.argument,
      input: {
        ...argumentSamples.asnCtiNotifyLineCallInformationChanged,
        callinformation: { ...callInformation, utcCallCreated: 'yesterday' },
      },
    },
    {
      name: 'asnAVDropCall with a dropTarget of neither alternative',
      schema: operations.asnAVDropCall.argument,
      input: { dropTarget: { callID: 'x' }, u8sCause: '', iAvDropReason: 0 },
    },
    {
      name: 'asnLoginV2 with an unknown auth alternative (authDigest is commented out)',
      schema: operations.asnLoginV2.argument,
      input: { auth: { authDigest: { nonce: 'n' } } },
    },
    {
      name: 'asnNegotiateServerConnectionV2 result with sServerAuthentication not base64',
      schema: operations.asnNegotiateServerConnectionV2.result,
      input: { result: { ...(resultSamples.asnNegotiateServerConnectionV2 as { result: object }).result, sServerAuthentication: '***' } },
    },
    {
      name: 'asnAVGetIceServers result with urls a string instead of a list',
      schema: operations.asnAVGetIceServers.result,
      input: { iceServers: [{ urls: 'stun:stun.example.com' }] },
    },
    {
      name: 'asnCtiSetForward with optionalParams integerdata not an integer',
      schema: operations.asnCtiSetForward.argument,
      input: { ...argumentSamples.asnCtiSetForward, optionalParams: [{ key: 'ForwardMode', value: { integerdata: 1.5 } }] },
    },
    {
      name: 'asnCtiEnumPhoneLines with typeofLines 1.5',
      schema: operations.asnCtiEnumPhoneLines.argument,
      input: { typeofLines: 1.5, attachChangeNotify: 0 },
    },
    {
      name: 'asnCtiHold with bHold a string',
      schema: operations.asnCtiHold.argument,
      input: { bHold: 'true', u8sConnectionID: 'C1' },
    },
  ];
  for (const row of nested) {
    test(`schema on ${row.name} fails`, () => {
      assert.equal(row.schema.safeParse(row.input).success, false);
    });
  }
});

describe('operation schemas: leniency (accepted on input)', () => {
  const rows: { name: string; op: OperationName; input: unknown; expected: unknown }[] = [
    {
      name: 'numbers for BOOLEAN (1/0)',
      op: 'asnCtiHold',
      input: { bHold: 1, u8sConnectionID: 'C1' },
      expected: { bHold: true, u8sConnectionID: 'C1' },
    },
    {
      name: 'number 0 for BOOLEAN',
      op: 'asnCtiLineSetDoNotDisturb',
      input: { u8sLinePhoneNumber: 'L', bDoNotDisturb: 0 },
      expected: { u8sLinePhoneNumber: 'L', bDoNotDisturb: false },
    },
    {
      name: 'numeric string for INTEGER, null for an OPTIONAL member, extra members and _type',
      op: 'asnCtiMakeCall',
      input: {
        _type: 'AsnCtiMakeCallArgument',
        u8sPhoneNumberFrom: 'L',
        u8sPhoneNumberTo: '+49',
        iNumberFormat: '1',
        newCallParams: null,
        optionalParams: {},
        somethingNew: [1, 2],
      },
      expected: { u8sPhoneNumberFrom: 'L', u8sPhoneNumberTo: '+49', iNumberFormat: 1 },
    },
    {
      name: 'optionalParams in array notation',
      op: 'asnCtiSetForward',
      input: {
        u8sPhoneNumberFrom: 'L',
        u8sPhoneNumberTo: '+49',
        optionalParams: [{ key: 'ForwardMode', value: { integerdata: 2 } }],
      },
      expected: { u8sPhoneNumberFrom: 'L', u8sPhoneNumberTo: '+49', optionalParams: { ForwardMode: 2 } },
    },
    {
      name: 'optionalParams in map notation',
      op: 'asnCtiSetForward',
      input: { u8sPhoneNumberFrom: 'L', u8sPhoneNumberTo: '+49', optionalParams: { ForwardMode: 2 } },
      expected: { u8sPhoneNumberFrom: 'L', u8sPhoneNumberTo: '+49', optionalParams: { ForwardMode: 2 } },
    },
    {
      name: 'optionalParams (map) with a boolean flag and a string',
      op: 'asnCtiRemoveForward',
      input: { u8sPhoneNumberFrom: 'L', optionalParams: { ForwardMode: true, ForwardDestination: '+4930555' } },
      expected: { u8sPhoneNumberFrom: 'L', optionalParams: { ForwardMode: 1, ForwardDestination: '+4930555' } },
    },
    {
      name: 'time formats: ISO with .000 fraction, "" and a variant-time number',
      op: 'asnGetJournalEntriesCountV2',
      input: {
        findOptions: {
          stStartTimeFrom: '2024-10-01T00:00:00.000Z',
          stStartTimeTo: 45566.375,
          u8slistLineUserNames: [],
          u8slistPhoneNumber: [],
          u8sContactName: '',
          u8sCompanyName: '',
          u8sFilterText: '',
          iMaxNumEntries: 0,
          iFilter: 0,
          iLastKnownGlobTransactionID: null,
        },
      },
      expected: {
        findOptions: {
          stStartTimeFrom: '2024-10-01T00:00:00Z',
          stStartTimeTo: '2024-10-01T09:00:00Z',
          u8slistLineUserNames: [],
          u8slistPhoneNumber: [],
          u8sContactName: '',
          u8sCompanyName: '',
          u8sFilterText: '',
          iMaxNumEntries: 0,
          iFilter: 0,
        },
      },
    },
    {
      name: 'C++ NULL written as 0',
      op: 'asnKeepAlive',
      input: { dummy: 0 },
      expected: { dummy: null },
    },
    {
      name: 'TS-SDK style _type on every nested SEQUENCE and CHOICE',
      op: 'asnLoginV2',
      input: {
        _type: 'AsnLoginV2Argument',
        auth: { _type: 'AsnLoginV2ChoiceArgument', authBasic: { _type: 'AsnAuthBasicCredential', credential: 'eA==' } },
      },
      expected: { auth: { authBasic: { credential: 'eA==' } } },
    },
    {
      name: 'a CHOICE with two alternatives takes the first in ASN.1 order',
      op: 'asnAVDropCall',
      input: {
        dropTarget: { connectionID: { u8sCallID: 'a', u8sEndpointID: 'e' }, u8sCallID: 'a' },
        u8sCause: '',
        iAvDropReason: 16,
      },
      expected: { dropTarget: { u8sCallID: 'a' }, u8sCause: '', iAvDropReason: 16 },
    },
    {
      name: 'an empty-SEQUENCE argument with members from a newer client',
      op: 'asnAVGetIceServers',
      input: { _type: 'AsnAVGetIceServersArgument', iFutureFlag: 3 },
      expected: {},
    },
  ];
  for (const row of rows) {
    test(`decodeArgument(${row.op}) accepts ${row.name}`, () => {
      const decoded = decodeArgument(row.op, row.input);
      assert.equal(JSON.stringify(decoded), JSON.stringify(row.expected));
    });
  }

  test('decodeArgument(asnCtiMakeCall) with null optional leaves no null behind', () => {
    const decoded = decodeArgument('asnCtiMakeCall', { u8sPhoneNumberFrom: 'L', u8sPhoneNumberTo: '1', iNumberFormat: 0, newCallParams: null });
    assert.equal(decoded.newCallParams, undefined);
    assert.ok(!(Object.values(decoded) as unknown[]).includes(null));
  });

  test('AsnNegotiateServerConnectionV2Result accepts unpadded base64 for sServerAuthentication', () => {
    const sample = resultSamples.asnNegotiateServerConnectionV2 as { result: object };
    const decoded = operations.asnNegotiateServerConnectionV2.result.parse({
      result: { ...sample.result, sServerAuthentication: 'AAE' },
    });
    assert.ok('result' in decoded);
    if ('result' in decoded) assert.deepEqual([...decoded.result.sServerAuthentication], [0, 1]);
  });
});

describe('operation schemas: canonical output', () => {
  test('buildResult() writes members in ASN.1 order whatever order the handler used', () => {
    const reversed = Object.fromEntries(Object.entries(resultSamples.asnAVMakeCallV2).reverse());
    const text = serializeRose(buildResult({ invokeID: 7 }, 'asnAVMakeCallV2', reversed as never), 'tcp');
    assert.ok(text.indexOf('"callAndConnectionID"') < text.indexOf('"u8sCTIConnectionID"'));
  });

  test('buildResult() writes optionalParams in map form, binary as padded base64, flags as numbers', () => {
    const text = serializeRose(
      buildResult({ invokeID: 3 }, 'asnCtiPickupCall', {
        bSuccess: true,
        optionalParams: { RemoteInvokeID: 'r1', Flag: 1, Blob: new Uint8Array([0, 1]) },
      }),
      'tcp',
    );
    assert.equal(
      text,
      '{"result":{"invokeID":3,"result":{"resultValue":0,"result":{"_type":"AsnCtiPickupCallResult","bSuccess":true,' +
        '"optionalParams":{"RemoteInvokeID":"r1","Flag":1,"Blob":{"binarydata":"AAE="}}}}}}',
    );
  });

  test('buildEvent() canonicalises times (no .000, UTC) and omits absent optionals', () => {
    const text = serializeRose(
      buildEvent('asnCtiNotifyLineCallInformationChanged', {
        u8sMonitorCrossRefID: 'M',
        u8sLinePhoneNumber: 'L',
        reason: 3,
        callinformation: {
          ...decodeArgument('asnCtiNotifyLineCallInformationChanged', argumentSamples.asnCtiNotifyLineCallInformationChanged)
            .callinformation,
          utcCallCreated: '2024-10-01T11:00:05.000+02:00',
          utcCallConnected: '2024-10-01T09:00:12.000Z',
          pRemoteContact: undefined,
          optionalParams: undefined,
          callDataList: undefined,
        },
      }),
      'tcp',
    );
    assert.ok(text.includes('"utcCallCreated":"2024-10-01T09:00:05Z","utcCallConnected":"2024-10-01T09:00:12Z","utcCallDisconnected":""'));
    assert.ok(!text.includes('pRemoteContact'));
    assert.ok(!text.includes('null'));
    assert.ok(text.endsWith('"bIsUnknownHoldContact":false}}}}'));
  });

  test('buildResult() with a mandatory member missing throws RoseEncodeError naming the member', () => {
    assert.throws(
      () => buildResult({ invokeID: 1 }, 'asnCtiSetForward', { bSuccess: true } as never),
      (err: unknown) =>
        err instanceof RoseEncodeError &&
        err.code === 'UCS_ERR_ROSE_ENCODE_INVALID' &&
        err.typeName === 'AsnCtiSetForwardResult' &&
        err.issues.some((i) => i.path === 'bExistingForwardingChanged') &&
        err.cause instanceof z.ZodError,
    );
  });

  test('buildResult() is strict on types: a number for a BOOLEAN throws RoseEncodeError', () => {
    assert.throws(() => buildResult({ invokeID: 1 }, 'asnCtiDropCall', { bSuccess: 1 } as never), RoseEncodeError);
  });

  test('buildResult() rejects a non-canonicalisable time with RoseEncodeError', () => {
    const sample = resultSamples.asnNegotiateServerConnectionV2 as { result: object };
    const decoded = operations.asnNegotiateServerConnectionV2.result.parse(sample);
    assert.ok('result' in decoded);
    if (!('result' in decoded)) return;
    assert.throws(
      () => buildResult({ invokeID: 1 }, 'asnNegotiateServerConnectionV2', { result: { ...decoded.result, stServerTime: 'now' } }),
      RoseEncodeError,
    );
  });
});
