import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  asnInt,
  asnSequence,
  asnString,
  buildReject,
  CtiCodecErrorCodes,
  decideInbound,
  decodeRose,
  GeneralProblem,
  InvokeProblem,
  RejectReasons,
  ReturnErrorProblem,
  ReturnResultProblem,
  RoseDecodeError,
  serializeRose,
  wrapError,
  wrapInvoke,
  wrapResult,
  type OperationDescriptor,
  type RoseMessage,
} from '../../src/codec/mod.ts';
import { loadSessionFrames } from '../fixtures/enetuc/session.ts';

const frames = loadSessionFrames();

describe('decodeRose', () => {
  const frameRows: { no: string; kind: RoseMessage['kind']; id: number; operationID?: number }[] = [
    { no: '01', kind: 'invoke', id: 1, operationID: 1006 },
    { no: '02', kind: 'result', id: 1 },
    { no: '03', kind: 'invoke', id: 2, operationID: 1005 },
    { no: '04', kind: 'result', id: 2 },
    { no: '05', kind: 'invoke', id: 3, operationID: 703 },
    { no: '06', kind: 'result', id: 3 },
    { no: '07', kind: 'invoke', id: 4, operationID: 1260 },
    { no: '08', kind: 'result', id: 4 },
    { no: '09', kind: 'invoke', id: 5, operationID: 1262 },
    { no: '10', kind: 'result', id: 5 },
    { no: '11', kind: 'invoke', id: 6, operationID: 1558 },
    { no: '12', kind: 'result', id: 6 },
    { no: '13', kind: 'invoke', id: 7, operationID: 1505 },
    { no: '14', kind: 'result', id: 7 },
    { no: '15', kind: 'invoke', id: 99999, operationID: 1283 },
    { no: '16', kind: 'invoke', id: 99999, operationID: 1575 },
    { no: '17', kind: 'invoke', id: 99999, operationID: 1283 },
    { no: '18', kind: 'invoke', id: 99999, operationID: 1574 },
    { no: '19', kind: 'invoke', id: 99999, operationID: 1283 },
    { no: '20', kind: 'invoke', id: 99999, operationID: 1706 },
    { no: '21', kind: 'invoke', id: 99999, operationID: 1501 },
    { no: '22', kind: 'invoke', id: 99999, operationID: 1283 },
    { no: '23', kind: 'invoke', id: 8, operationID: 1263 },
    { no: '24', kind: 'result', id: 8 },
    { no: '25', kind: 'invoke', id: 99999, operationID: 1001 },
  ];
  for (const row of frameRows) {
    test(`decodeRose() of §5 frame ${row.no} yields a ${row.kind} with id ${row.id}`, () => {
      const frame = frames.find((f) => f.no === row.no)!;
      const message = decodeRose(frame.json);
      assert.equal(message.kind, row.kind);
      if (message.kind === 'invoke') {
        assert.equal(message.invokeID, row.id);
        assert.equal(message.operationID, row.operationID);
        assert.equal(typeof message.operationName, 'string');
        assert.equal(typeof message.argument, 'object');
      } else if (message.kind === 'result') {
        assert.equal(message.invokeID, row.id);
        assert.equal(message.resultValue, 0);
        assert.equal(typeof message.result, 'object');
      }
      // the parsed value decodes the same as the text
      assert.deepEqual(decodeRose(JSON.parse(frame.json)), message);
    });
  }

  const okRows: { name: string; input: unknown; expected: RoseMessage }[] = [
    {
      name: 'a WebSocket one-element array',
      input: '[{"invoke":{"invokeID":4,"operationID":1263,"argument":{"u8sMonitorCrossRefID":"M"}}}]',
      expected: { kind: 'invoke', invokeID: 4, operationID: 1263, argument: { u8sMonitorCrossRefID: 'M' } },
    },
    {
      name: 'an already-parsed one-element array',
      input: [{ invoke: { invokeID: 4, operationID: 0, operationName: 'asnLogoff', argument: {} } }],
      expected: { kind: 'invoke', invokeID: 4, operationID: 0, operationName: 'asnLogoff', argument: {} },
    },
    {
      name: 'TS-SDK envelope _type members and a sessionID',
      input: {
        _type: 'ROSEMessage',
        invoke: { _type: 'ROSEInvoke', sessionID: 'S1', invokeID: 5, operationID: 1203, argument: { u8sConnectionID: 'C' } },
      },
      expected: { kind: 'invoke', invokeID: 5, operationID: 1203, sessionID: 'S1', argument: { u8sConnectionID: 'C' } },
    },
    {
      name: 'numeric strings for invokeID and operationID, null argument',
      input: { invoke: { invokeID: '12', operationID: '1203', argument: null, linked_ID: 3 } },
      expected: { kind: 'invoke', invokeID: 12, operationID: 1203, linked_ID: 3 },
    },
    {
      name: 'invoke tested before result when both are present',
      input: { result: { invokeID: 1 }, invoke: { invokeID: 2, operationID: 100 } },
      expected: { kind: 'invoke', invokeID: 2, operationID: 100 },
    },
    {
      name: 'an error with error_value',
      input: { error: { invokedID: 5, error_value: 3, error: { iErrorDetail: 3, u8sErrorString: 'x' } } },
      expected: { kind: 'error', invokedID: 5, error_value: 3, error: { iErrorDetail: 3, u8sErrorString: 'x' } },
    },
    {
      name: 'an error without error_value (defaults to 0)',
      input: { error: { invokedID: 5 } },
      expected: { kind: 'error', invokedID: 5, error_value: 0 },
    },
    {
      name: 'a reject with nested invokedID',
      input: { reject: { invokedID: { invokedID: 9 }, reject: { invokeProblem: 1 }, details: 'unrecognisedOperation' } },
      expected: { kind: 'reject', invokedID: 9, reject: { invokeProblem: 1 }, details: 'unrecognisedOperation' },
    },
    {
      name: 'a C++ reject with {"invokednull":0}',
      input: { reject: { invokedID: { invokednull: 0 }, reject: { invokeProblem: 2 }, details: 'Unexpected token' } },
      expected: { kind: 'reject', invokedID: null, reject: { invokeProblem: 2 }, details: 'Unexpected token' },
    },
    {
      name: 'a TS-client reject of one of our events (invokedID 99999, private problem 500)',
      input: { reject: { invokedID: { invokedID: 99999 }, reject: { invokeProblem: 500 } } },
      expected: { kind: 'reject', invokedID: 99999, reject: { invokeProblem: 500 } },
    },
    {
      name: 'a reject with a plain-number invokedID and a returnResultProblem',
      input: { reject: { invokedID: 4, reject: { returnResultProblem: 2 } } },
      expected: { kind: 'reject', invokedID: 4, reject: { returnResultProblem: 2 } },
    },
    {
      name: 'a result without the inner result sequence',
      input: { result: { invokeID: 7, sessionID: 'S' } },
      expected: { kind: 'result', invokeID: 7, sessionID: 'S' },
    },
  ];
  for (const row of okRows) {
    test(`decodeRose() of ${row.name} succeeds`, () => {
      assert.deepEqual(decodeRose(row.input), row.expected);
    });
  }

  const errorRows: {
    name: string;
    input: unknown;
    code: string;
    invokeID: number | null;
    kind: string | null;
  }[] = [
    { name: 'unparseable text', input: '{"invoke":', code: CtiCodecErrorCodes.UCS_ERR_ROSE_JSON_INVALID, invokeID: null, kind: null },
    { name: 'empty text', input: '', code: CtiCodecErrorCodes.UCS_ERR_ROSE_JSON_INVALID, invokeID: null, kind: null },
    { name: 'a number', input: '42', code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, invokeID: null, kind: null },
    { name: 'an empty array', input: '[]', code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, invokeID: null, kind: null },
    { name: 'a two-element array', input: '[{},{}]', code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, invokeID: null, kind: null },
    { name: 'an object without ROSE members', input: '{"foo":1}', code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, invokeID: null, kind: null },
    { name: 'invoke not an object', input: '{"invoke":[1]}', code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, invokeID: null, kind: 'invoke' },
    {
      name: 'an invoke without invokeID',
      input: '{"invoke":{"operationID":1202}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: null,
      kind: 'invoke',
    },
    {
      name: 'an invoke with a fractional invokeID',
      input: '{"invoke":{"invokeID":1.5,"operationID":1202}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: null,
      kind: 'invoke',
    },
    {
      name: 'an invoke without operationID',
      input: '{"invoke":{"invokeID":7}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: 7,
      kind: 'invoke',
    },
    {
      name: 'an invoke with invokeID 0 and a bad operationID (invokednull)',
      input: '{"invoke":{"invokeID":0,"operationID":true}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: null,
      kind: 'invoke',
    },
    {
      name: 'an invoke with a numeric operationName',
      input: '{"invoke":{"invokeID":8,"operationID":0,"operationName":5}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: 8,
      kind: 'invoke',
    },
    {
      name: 'an event with a bad sessionID',
      input: '{"invoke":{"invokeID":99999,"operationID":1706,"sessionID":{}}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: 99999,
      kind: 'invoke',
    },
    {
      name: 'a result without invokeID',
      input: '{"result":{"result":{}}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: null,
      kind: 'result',
    },
    {
      name: 'an error without invokedID',
      input: '{"error":{"invokeID":3}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: null,
      kind: 'error',
    },
    {
      name: 'a reject with a string invokedID',
      input: '{"reject":{"invokedID":"x"}}',
      code: CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID,
      invokeID: null,
      kind: 'reject',
    },
  ];
  for (const row of errorRows) {
    test(`decodeRose() of ${row.name} throws RoseDecodeError ${row.code}`, () => {
      assert.throws(
        () => decodeRose(row.input),
        (err: unknown) => {
          assert.ok(err instanceof RoseDecodeError);
          assert.equal(err.code, row.code);
          assert.equal(err.invokeID, row.invokeID);
          assert.equal(err.messageKind, row.kind);
          assert.equal(err.isEvent, row.invokeID === 99999);
          return true;
        },
      );
    });
  }

  test('decodeRose() of unparseable text keeps the SyntaxError as cause and its message as details', () => {
    let expected = '';
    try {
      JSON.parse('{"invoke":');
    } catch (e) {
      expected = (e as Error).message;
    }
    assert.throws(
      () => decodeRose('{"invoke":'),
      (err: unknown) => err instanceof RoseDecodeError && err.cause instanceof SyntaxError && err.details === expected,
    );
  });
});

describe('ROSE encoders', () => {
  test('buildReject() reproduces the §5 unknown-operation reject byte for byte', () => {
    assert.equal(
      serializeRose(buildReject({ invokeID: 9 }, RejectReasons.unrecognisedOperation), 'tcp'),
      '{"reject":{"invokedID":{"invokedID":9},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}',
    );
  });

  test('buildReject() with a null id writes {"invokednull":null} and echoes sessionID last', () => {
    assert.equal(
      serializeRose(buildReject({ invokeID: null, sessionID: 'S1' }, { problem: { generalProblem: 1 } }), 'tcp'),
      '{"reject":{"invokedID":{"invokednull":null},"reject":{"generalProblem":1},"sessionID":"S1"}}',
    );
  });

  test('wrapResult() reproduces the §1.1 C++-style result (before its LF)', () => {
    const wire = wrapResult({ invokeID: 7 }, { _type: 'AsnCtiLineMonitorStopResult' });
    assert.equal(
      serializeRose(wire, 'tcp'),
      '{"result":{"invokeID":7,"result":{"resultValue":0,"result":{"_type":"AsnCtiLineMonitorStopResult"}}}}',
    );
  });

  test('wrapError() reproduces the §5 error example', () => {
    const wire = wrapError({ invokeID: 5 }, { _type: 'AsnRequestError', iErrorDetail: 3, u8sErrorString: 'invalid line' });
    assert.equal(
      serializeRose(wire, 'tcp'),
      '{"error":{"invokedID":5,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":3,"u8sErrorString":"invalid line"}}}',
    );
  });

  test('wrapInvoke() writes invokeID, operationID, operationName, argument in that order', () => {
    const wire = wrapInvoke(99999, { id: 1706, name: 'asnTransportKeepAlive' }, { dummy: null });
    assert.equal(
      serializeRose(wire, 'tcp'),
      '{"invoke":{"invokeID":99999,"operationID":1706,"operationName":"asnTransportKeepAlive","argument":{"dummy":null}}}',
    );
  });

  test('serializeRose(websocket) wraps the message in a one-element array', () => {
    const wire = buildReject({ invokeID: 1 }, RejectReasons.mistypedArgument);
    assert.equal(serializeRose(wire, 'websocket'), `[${serializeRose(wire, 'tcp')}]`);
    assert.deepEqual(decodeRose(serializeRose(wire, 'websocket')), decodeRose(serializeRose(wire, 'tcp')));
    assert.throws(() => serializeRose(wire, 'udp' as never), TypeError);
  });

  test('problem code tables match §2', () => {
    assert.deepEqual(Object.values(GeneralProblem), [0, 1, 2]);
    assert.deepEqual(Object.values(InvokeProblem), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(Object.values(ReturnResultProblem), [0, 1, 2]);
    assert.deepEqual(Object.values(ReturnErrorProblem), [0, 1, 2, 3, 4]);
    assert.equal(InvokeProblem.invalidSessionID, 8);
    assert.deepEqual(RejectReasons.functionMissing, { problem: { invokeProblem: 1 }, details: 'unrecognisedOperation: functionMissing' });
    assert.deepEqual(RejectReasons.argumentMissing, { problem: { invokeProblem: 2 }, details: 'argumentMissing' });
  });
});

describe('decideInbound with a minimal operation table', () => {
  const ping: OperationDescriptor = {
    id: 1,
    name: 'ping',
    kind: 'invoke',
    direction: 'client-to-server',
    argument: asnSequence('PingArgument', { n: asnInt }),
  };
  const note: OperationDescriptor = {
    id: 2,
    name: 'note',
    kind: 'event',
    direction: 'both',
    argument: asnSequence('NoteArgument', { text: asnString }),
  };
  const push: OperationDescriptor = {
    id: 3,
    name: 'push',
    kind: 'event',
    direction: 'server-to-client',
    argument: z.object({}),
  };
  const table = [ping, note, push];
  const resolve = (k: number | string) => table.find((op) => op.id === k || op.name === k);

  test('decideInbound() on a well-formed invoke decodes the argument', () => {
    const d = decideInbound('{"invoke":{"invokeID":3,"operationID":1,"argument":{"n":"4"}}}', resolve);
    assert.equal(d.type, 'invoke');
    if (d.type === 'invoke') {
      assert.deepEqual(d.argument, { n: 4 });
      assert.equal(d.operation, ping);
      assert.equal(d.replyExpected, true);
    }
  });

  test('decideInbound() looks the operation up by name when operationID is 0', () => {
    const d = decideInbound({ invoke: { invokeID: 3, operationID: 0, operationName: 'note', argument: { text: 'x' } } }, resolve);
    assert.equal(d.type, 'event');
  });

  test('decideInbound() on an invoke with invokeID 0 and an unknown op rejects with invokednull', () => {
    const d = decideInbound({ invoke: { invokeID: 0, operationID: 77 } }, resolve);
    assert.equal(d.type, 'reject');
    if (d.type === 'reject') assert.deepEqual(d.reply.reject.invokedID, { invokednull: null });
  });

  test('decideInbound() on a server-to-client event from the client drops it', () => {
    const d = decideInbound({ invoke: { invokeID: 99999, operationID: 3, argument: {} } }, resolve);
    assert.deepEqual(d, { type: 'drop', reason: 'unexpected-direction', invoke: decodeRose({ invoke: { invokeID: 99999, operationID: 3, argument: {} } }) });
  });

  test('decideInbound() rejects an invoke whose string holds U+0000 as a mistyped argument; an event passes to its handler', () => {
    const d = decideInbound('{"invoke":{"invokeID":5,"operationID":2,"argument":{"text":"a\\u0000b"}}}', resolve);
    assert.equal(d.type, 'event', 'an event\'s handler answers its content (a re-offer gets its decline)');
    const invoke = { ...ping, name: 'say', argument: asnSequence('SayArgument', { lines: z.array(asnString) }) };
    const r = decideInbound({ invoke: { invokeID: 6, operationID: 1, argument: { lines: ['ok', '\u0000'] } } }, () => invoke);
    assert.equal(r.type, 'reject');
    if (r.type === 'reject') assert.deepEqual([r.reply.reject.reject, r.reply.reject.details], [RejectReasons.mistypedArgument.problem, RejectReasons.mistypedArgument.details]);
    assert.match((r as { error?: Error }).error?.message ?? '', /lines\.1: U\+0000/);
  });

  test('decideInbound() rethrows non-ROSE errors from the resolver', () => {
    assert.throws(
      () =>
        decideInbound({ invoke: { invokeID: 1, operationID: 1 } }, () => {
          throw new RangeError('boom');
        }),
      RangeError,
    );
  });
});
