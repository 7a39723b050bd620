// interpretInbound() against the §2 reply table, and the typed outbound builders.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ArgumentError,
  encodeFrame,
  RejectReasons,
  RoseEncodeError,
  serializeRose,
  UnknownOperationError,
  type RoseRejectWire,
} from '../../src/codec/mod.ts';
import {
  buildError,
  buildEvent,
  buildInvoke,
  buildResult,
  decodeArgument,
  interpretInbound,
  type InboundAction,
} from '../../src/protocol/mod.ts';

const makeCall = { u8sPhoneNumberFrom: 'tel:+4930123456100', u8sPhoneNumberTo: '+4930987654321', iNumberFormat: 1 };

function replyText(action: InboundAction): string {
  assert.equal(action.type, 'reject');
  return serializeRose((action as { reply: RoseRejectWire }).reply, 'tcp');
}

function parserMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('text parsed');
}

describe('interpretInbound: rejects (§2)', () => {
  const rows: { name: string; input: unknown; reply: string }[] = [
    {
      name: 'unparseable JSON → invokednull, invokeProblem 2, parser message',
      input: '{"invoke":{"invokeID":1,',
      reply: JSON.stringify({
        reject: { invokedID: { invokednull: null }, reject: { invokeProblem: 2 }, details: parserMessage('{"invoke":{"invokeID":1,') },
      }),
    },
    {
      name: 'an empty J-frame payload → invokednull, invokeProblem 2',
      input: '',
      reply: JSON.stringify({ reject: { invokedID: { invokednull: null }, reject: { invokeProblem: 2 }, details: parserMessage('') } }),
    },
    {
      name: 'JSON that is no ROSE message → invokednull, invokeProblem 2',
      input: '{"hello":"world"}',
      reply:
        '{"reject":{"invokedID":{"invokednull":null},"reject":{"invokeProblem":2},"details":"ROSE message has none of invoke, result, error, reject"}}',
    },
    {
      name: 'an invoke without invokeID → invokednull',
      input: '{"invoke":{"operationID":1202,"argument":{}}}',
      reply: '{"reject":{"invokedID":{"invokednull":null},"reject":{"invokeProblem":2},"details":"invoke.invokeID missing or not an integer"}}',
    },
    {
      name: 'a broken invoke envelope → invokeID copied',
      input: '{"invoke":{"invokeID":7,"argument":{}}}',
      reply: '{"reject":{"invokedID":{"invokedID":7},"reject":{"invokeProblem":2},"details":"invoke.operationID missing or not an integer"}}',
    },
    {
      name: 'a broken invoke envelope with invokeID 0 → invokednull',
      input: '{"invoke":{"invokeID":0,"operationID":"x"}}',
      reply: '{"reject":{"invokedID":{"invokednull":null},"reject":{"invokeProblem":2},"details":"invoke.operationID missing or not an integer"}}',
    },
    {
      name: 'an unknown operation → the §5 reject byte for byte',
      input: '{"invoke":{"invokeID":9,"operationID":4711,"operationName":"asnDoSomething","argument":{}}}',
      reply: '{"reject":{"invokedID":{"invokedID":9},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}',
    },
    {
      name: 'a neighbour operation outside the subset (asnCtiSetCallData 1225) → unrecognisedOperation',
      input: { invoke: { invokeID: 10, operationID: 1225, operationName: 'asnCtiSetCallData', argument: {} } },
      reply: '{"reject":{"invokedID":{"invokedID":10},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}',
    },
    {
      name: 'operationID 0 with an unknown name → unrecognisedOperation',
      input: { invoke: { invokeID: 11, operationID: 0, operationName: 'asnLogon', argument: {} } },
      reply: '{"reject":{"invokedID":{"invokedID":11},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}',
    },
    {
      name: 'an unknown non-zero operationID with a known name → unrecognisedOperation (the id wins)',
      input: { invoke: { invokeID: 12, operationID: 4711, operationName: 'asnCtiMakeCall', argument: makeCall } },
      reply: '{"reject":{"invokedID":{"invokedID":12},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}',
    },
    {
      name: 'a mistyped argument → invokeProblem 2 mistypedArgument',
      input: { invoke: { invokeID: 5, operationID: 1202, argument: { ...makeCall, iNumberFormat: 'one' } } },
      reply: '{"reject":{"invokedID":{"invokedID":5},"reject":{"invokeProblem":2},"details":"mistypedArgument"}}',
    },
    {
      name: 'a missing mandatory member → mistypedArgument',
      input: { invoke: { invokeID: 5, operationID: 1262, argument: {} } },
      reply: '{"reject":{"invokedID":{"invokedID":5},"reject":{"invokeProblem":2},"details":"mistypedArgument"}}',
    },
    {
      name: 'an argument that is not an object → mistypedArgument',
      input: { invoke: { invokeID: 6, operationID: 1203, argument: ['C1'] } },
      reply: '{"reject":{"invokedID":{"invokedID":6},"reject":{"invokeProblem":2},"details":"mistypedArgument"}}',
    },
    {
      name: 'no argument where members are needed → argumentMissing',
      input: { invoke: { invokeID: 6, operationID: 1203 } },
      reply: '{"reject":{"invokedID":{"invokedID":6},"reject":{"invokeProblem":2},"details":"argumentMissing"}}',
    },
    {
      name: 'a sessionID is echoed in the reject',
      input: { invoke: { invokeID: 9, sessionID: 'S-1', operationID: 4711, argument: {} } },
      reply: '{"reject":{"invokedID":{"invokedID":9},"reject":{"invokeProblem":1},"details":"unrecognisedOperation","sessionID":"S-1"}}',
    },
  ];
  for (const row of rows) {
    test(`interpretInbound() on ${row.name}`, () => {
      assert.equal(replyText(interpretInbound(row.input)), row.reply);
    });
  }

  test('interpretInbound() carries the cause of a reject for logging', () => {
    const unknown = interpretInbound({ invoke: { invokeID: 9, operationID: 4711, argument: {} } });
    assert.ok(unknown.type === 'reject' && unknown.error instanceof UnknownOperationError);
    const mistyped = interpretInbound({ invoke: { invokeID: 5, operationID: 1211, argument: { bHold: 'yes', u8sConnectionID: 'C' } } });
    assert.ok(mistyped.type === 'reject' && mistyped.error instanceof ArgumentError);
    if (mistyped.type === 'reject' && mistyped.error instanceof ArgumentError) {
      assert.deepEqual(mistyped.error.issues.map((i) => i.path), ['bHold']);
      assert.equal(mistyped.error.operationName, 'asnCtiHold');
    }
  });
});

describe('interpretInbound: no reply (§2)', () => {
  const rows: { name: string; input: unknown; type: InboundAction['type']; reason?: string }[] = [
    { name: 'an unknown event (invokeID 99999)', input: { invoke: { invokeID: 99999, operationID: 4711, argument: {} } }, type: 'drop', reason: 'event-undecodable' },
    { name: 'a broken event envelope', input: { invoke: { invokeID: 99999, operationID: 'x' } }, type: 'drop', reason: 'event-undecodable' },
    {
      name: 'an event with a mistyped argument',
      input: { invoke: { invokeID: 99999, operationID: 1501, argument: { dropTarget: {}, u8sCause: '', iAvDropReason: 0 } } },
      type: 'drop',
      reason: 'event-undecodable',
    },
    {
      name: 'an invoke-kind operation sent as event (99999) with a mistyped argument',
      input: { invoke: { invokeID: 99999, operationID: 1203, argument: { u8sConnectionID: 5 } } },
      type: 'drop',
      reason: 'event-undecodable',
    },
    {
      name: 'an event-kind operation with an ordinary invokeID and a bad argument',
      input: { invoke: { invokeID: 3, operationID: 1706, argument: {} } },
      type: 'drop',
      reason: 'event-undecodable',
    },
    { name: 'operationID 0 without a name', input: { invoke: { invokeID: 4, operationID: 0, argument: {} } }, type: 'drop', reason: 'no-operation' },
    {
      name: 'a server-only event from the client',
      input: { invoke: { invokeID: 99999, operationID: 1294, argument: { u8sMonitorCrossRefID: 'M' } } },
      type: 'drop',
      reason: 'unexpected-direction',
    },
    { name: 'a result for one of our invokes', input: { result: { invokeID: 1, result: { resultValue: 0, result: {} } } }, type: 'response' },
    { name: 'an error', input: { error: { invokedID: 1, error_value: 0, error: { iErrorDetail: 1, u8sErrorString: 'x' } } }, type: 'response' },
    { name: "a TS client's reject of one of our events (invokedID 99999)", input: { reject: { invokedID: { invokedID: 99999 }, reject: { invokeProblem: 2 } } }, type: 'response' },
    { name: 'a broken result', input: { result: { invokeID: 'x' } }, type: 'drop', reason: 'response-undecodable' },
  ];
  for (const row of rows) {
    test(`interpretInbound() on ${row.name} sends nothing (${row.type}${row.reason ? `: ${row.reason}` : ''})`, () => {
      const action = interpretInbound(row.input);
      assert.equal(action.type, row.type);
      if (action.type === 'drop') assert.equal(action.reason, row.reason);
    });
  }
});

describe('interpretInbound: dispatch', () => {
  test('interpretInbound() on an invoke yields a typed argument narrowed by name', () => {
    const action = interpretInbound({ invoke: { invokeID: 2, operationID: 1202, argument: { ...makeCall, iNumberFormat: '1' } } });
    assert.equal(action.type, 'invoke');
    if (action.type === 'invoke' && action.name === 'asnCtiMakeCall') {
      assert.equal(action.argument.iNumberFormat, 1);
      assert.equal(action.operation.id, 1202);
      assert.equal(action.replyExpected, true);
    } else {
      assert.fail('expected asnCtiMakeCall');
    }
  });

  test('interpretInbound() on a demo-style invoke (operationID 0, name only, _type, optionalParams {}) dispatches by name', () => {
    const action = interpretInbound(
      '{"invoke":{"_type":"ROSEInvoke","invokeID":2,"operationID":0,"operationName":"asnCtiEnumPhoneLines",' +
        '"argument":{"_type":"AsnCtiEnumPhoneLinesArgument","typeofLines":0,"attachChangeNotify":1,"optionalParams":{}}}}',
    );
    assert.ok(action.type === 'invoke' && action.name === 'asnCtiEnumPhoneLines');
    if (action.type === 'invoke') assert.deepEqual(action.argument, { typeofLines: 0, attachChangeNotify: 1 });
  });

  test('interpretInbound() on a WebSocket one-element array dispatches the invoke', () => {
    const action = interpretInbound('[{"invoke":{"invokeID":3,"operationID":1263,"argument":{"u8sMonitorCrossRefID":"M"}}}]');
    assert.ok(action.type === 'invoke' && action.name === 'asnCtiLineMonitorStop');
  });

  test('interpretInbound() on an empty-argument invoke without argument dispatches it', () => {
    const action = interpretInbound({ invoke: { invokeID: 3, operationID: 703 } });
    assert.ok(action.type === 'invoke' && action.name === 'asnSubscribeServices');
  });

  test('interpretInbound() on an event-kind operation with an ordinary invokeID (demo asnLogoff) yields an event', () => {
    const action = interpretInbound({ invoke: { invokeID: 3, operationID: 0, operationName: 'asnLogoff', argument: {} } });
    assert.ok(action.type === 'event' && action.name === 'asnLogoff');
  });

  test('interpretInbound() on keep-alives yields events (never answered)', () => {
    const a = interpretInbound({ invoke: { invokeID: 99999, operationID: 100, argument: { dummy: null } } });
    const b = interpretInbound({ invoke: { invokeID: 17, operationID: 1706, argument: { dummy: 0 } } });
    assert.ok(a.type === 'event' && a.name === 'asnKeepAlive');
    assert.ok(b.type === 'event' && b.name === 'asnTransportKeepAlive');
  });

  test('interpretInbound() on an invoke-kind operation sent with invokeID 99999 runs it without reply', () => {
    const action = interpretInbound({ invoke: { invokeID: 99999, operationID: 1203, argument: { u8sConnectionID: 'C' } } });
    assert.ok(action.type === 'invoke');
    if (action.type === 'invoke') assert.equal(action.replyExpected, false);
  });

  test('interpretInbound() on a both-direction AV event from the client yields an event', () => {
    const action = interpretInbound({
      invoke: { invokeID: 99999, operationID: 1501, argument: { dropTarget: { u8sCallID: 'av-1' }, u8sCause: '', iAvDropReason: 1 } },
    });
    assert.ok(action.type === 'event' && action.name === 'asnAVDropCall');
    if (action.type === 'event' && action.name === 'asnAVDropCall') assert.deepEqual(action.argument.dropTarget, { u8sCallID: 'av-1' });
  });
});

describe('outbound builders', () => {
  test('buildError() reproduces the §5 error example byte for byte', () => {
    assert.equal(
      serializeRose(buildError({ invokeID: 5 }, { iErrorDetail: 3, u8sErrorString: 'invalid line' }), 'tcp'),
      '{"error":{"invokedID":5,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":3,"u8sErrorString":"invalid line"}}}',
    );
  });

  test('buildError() with errorValue and sessionID writes both', () => {
    assert.equal(
      serializeRose(buildError({ invokeID: 5, sessionID: 'S' }, { iErrorDetail: 101, u8sErrorString: 'x' }, { errorValue: 101 }), 'tcp'),
      '{"error":{"invokedID":5,"error_value":101,"error":{"_type":"AsnRequestError","iErrorDetail":101,"u8sErrorString":"x"},"sessionID":"S"}}',
    );
  });

  test('buildResult() of asnCtiLineMonitorStop plus an LF gives the §1.1 C++-style J0000102 frame', () => {
    const json = serializeRose(buildResult({ invokeID: 7 }, 'asnCtiLineMonitorStop', {}), 'tcp') + '\n';
    assert.equal(
      encodeFrame(json, 'json-framed').toString('latin1'),
      'J0000102{"result":{"invokeID":7,"result":{"resultValue":0,"result":{"_type":"AsnCtiLineMonitorStopResult"}}}}\n',
    );
  });

  test('buildResult() answers the invoke it is given (id and sessionID copied)', () => {
    const action = interpretInbound({ invoke: { invokeID: 41, sessionID: 'S9', operationID: 1203, argument: { u8sConnectionID: 'C' } } });
    assert.equal(action.type, 'invoke');
    if (action.type !== 'invoke') return;
    assert.equal(
      serializeRose(buildResult(action.invoke, 'asnCtiDropCall', { bSuccess: true }), 'websocket'),
      '[{"result":{"invokeID":41,"result":{"resultValue":0,"result":{"_type":"AsnCtiDropCallResult","bSuccess":true}},"sessionID":"S9"}}]',
    );
  });

  test('buildResult() of a CHOICE result puts _type next to the alternative (the succceeded spelling)', () => {
    assert.equal(
      serializeRose(buildResult({ invokeID: 2 }, 'asnLoginV2', { succceeded: { u8sLoggedInUser: 'alice' } }), 'tcp'),
      '{"result":{"invokeID":2,"result":{"resultValue":0,"result":{"_type":"AsnLoginV2Result","succceeded":{"u8sLoggedInUser":"alice"}}}}}',
    );
  });

  test('buildEvent() writes invokeID 99999, operationID, operationName and _type', () => {
    assert.equal(
      serializeRose(buildEvent('asnCtiNotifyMakeCallResult', { u8sLinePhoneNumber: 'L', u8sConnectionID: 'C', success: 1 }), 'tcp'),
      '{"invoke":{"invokeID":99999,"operationID":1285,"operationName":"asnCtiNotifyMakeCallResult",' +
        '"argument":{"_type":"AsnCtiNotifyMakeCallResultArgument","u8sLinePhoneNumber":"L","u8sConnectionID":"C","success":1}}}',
    );
  });

  test('buildEvent() with an invalid argument throws RoseEncodeError', () => {
    assert.throws(() => buildEvent('asnCtiNotifyMonitorStopped', {} as never), RoseEncodeError);
  });

  test('buildInvoke() output is accepted by interpretInbound() (round trip)', () => {
    const wire = buildInvoke(8, 'asnCtiMakeCall', decodeArgument('asnCtiMakeCall', makeCall));
    const action = interpretInbound(serializeRose(wire, 'websocket'));
    assert.ok(action.type === 'invoke' && action.name === 'asnCtiMakeCall');
    if (action.type === 'invoke') assert.deepEqual(action.argument, makeCall);
  });

  test('decodeArgument() with a mistyped argument throws ArgumentError listing the issue', () => {
    assert.throws(
      () => decodeArgument('asnCtiDialDigits', { u8sConnectionID: 'C', iDigitMode: 2, iDigitDuration: 0 }),
      (err: unknown) => err instanceof ArgumentError && err.issues.some((i) => i.path === 'u8sDigitsToDial') && !err.missing,
    );
    assert.throws(
      () => decodeArgument('asnCtiDialDigits', undefined),
      (err: unknown) => err instanceof ArgumentError && err.missing,
    );
  });

  test('the functionMissing reject (known operation, no handler) is unrecognisedOperation, never resourceLimitation', () => {
    assert.deepEqual(RejectReasons.functionMissing.problem, { invokeProblem: 1 });
  });
});
