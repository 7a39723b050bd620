// The byte-exact example session of the subset reference §5, end to end: every frame is split off a
// TCP stream, decoded as ROSE, validated against its operation's schema, re-encoded with our builders
// and compared byte for byte with the original.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRose, encodeFrame, FrameDecoder, serializeRose } from '../../src/codec/mod.ts';
import {
  buildEvent,
  buildInvoke,
  buildResult,
  findOperation,
  interpretInbound,
  type InvokeOperationName,
  type OperationName,
  type OutboundEventName,
} from '../../src/protocol/mod.ts';
import { loadSessionFrames } from '../fixtures/enetuc/session.ts';

const frames = loadSessionFrames();

/** What each frame is (from the §5 walk-through). */
const expected: Record<string, { name: OperationName; kind: 'invoke' | 'result' | 'event' }> = {
  '01': { name: 'asnNegotiateServerConnectionV2', kind: 'invoke' },
  '02': { name: 'asnNegotiateServerConnectionV2', kind: 'result' },
  '03': { name: 'asnLoginV2', kind: 'invoke' },
  '04': { name: 'asnLoginV2', kind: 'result' },
  '05': { name: 'asnSubscribeServices', kind: 'invoke' },
  '06': { name: 'asnSubscribeServices', kind: 'result' },
  '07': { name: 'asnCtiEnumPhoneLines', kind: 'invoke' },
  '08': { name: 'asnCtiEnumPhoneLines', kind: 'result' },
  '09': { name: 'asnCtiLineMonitorStart', kind: 'invoke' },
  '10': { name: 'asnCtiLineMonitorStart', kind: 'result' },
  '11': { name: 'asnAVGetIceServers', kind: 'invoke' },
  '12': { name: 'asnAVGetIceServers', kind: 'result' },
  '13': { name: 'asnAVMakeCallV2', kind: 'invoke' },
  '14': { name: 'asnAVMakeCallV2', kind: 'result' },
  '15': { name: 'asnCtiNotifyLineCallInformationChanged', kind: 'event' },
  '16': { name: 'asnAVAlertV2', kind: 'event' },
  '17': { name: 'asnCtiNotifyLineCallInformationChanged', kind: 'event' },
  '18': { name: 'asnAVConnectV2', kind: 'event' },
  '19': { name: 'asnCtiNotifyLineCallInformationChanged', kind: 'event' },
  '20': { name: 'asnTransportKeepAlive', kind: 'event' },
  '21': { name: 'asnAVDropCall', kind: 'event' },
  '22': { name: 'asnCtiNotifyLineCallInformationChanged', kind: 'event' },
  '23': { name: 'asnCtiLineMonitorStop', kind: 'invoke' },
  '24': { name: 'asnCtiLineMonitorStop', kind: 'result' },
  '25': { name: 'asnLogoff', kind: 'event' },
};

describe('§5 example session', () => {
  test('session.txt holds all 25 frames with correct byte counts', () => {
    assert.equal(frames.length, 25);
    assert.deepEqual(
      frames.map((f) => f.no),
      Object.keys(expected).sort(),
    );
    for (const f of frames) assert.equal(Number(f.bytes.toString('latin1', 1, 8)), Buffer.byteLength(f.json), f.no);
  });

  test('FrameDecoder.push() with the whole session in one chunk yields the 25 JSON texts', () => {
    const { messages, error } = new FrameDecoder().push(Buffer.concat(frames.map((f) => f.bytes)));
    assert.equal(error, null);
    assert.deepEqual(
      messages.map((m) => m.text),
      frames.map((f) => f.json),
    );
    assert.ok(messages.every((m) => m.encoding === 'json-framed'));
  });

  for (const frame of frames.filter((f) => f.direction === 'C→S')) {
    const { name, kind } = expected[frame.no]!;
    test(`interpretInbound() on frame ${frame.no} (${name}) yields a typed ${kind} and re-encodes byte-exactly`, () => {
      const action = interpretInbound(frame.json);
      assert.equal(action.type, kind);
      if (action.type !== 'invoke' && action.type !== 'event') return;
      assert.equal(action.name, name);
      if (action.type === 'invoke') assert.equal(action.replyExpected, true);
      const wire = buildInvoke(action.invoke.invokeID, action.name, action.argument as never);
      assert.equal(serializeRose(wire, 'tcp'), frame.json);
      assert.deepEqual(encodeFrame(serializeRose(wire, 'tcp'), 'json-framed'), frame.bytes);
    });
  }

  for (const frame of frames.filter((f) => f.direction === 'S→C')) {
    const { name, kind } = expected[frame.no]!;
    test(`buildResult()/buildEvent() reproduces server frame ${frame.no} (${name} ${kind}) byte-exactly`, () => {
      const message = decodeRose(frame.json);
      const operation = findOperation(name);
      let rebuilt: string;
      if (kind === 'result') {
        assert.equal(message.kind, 'result');
        if (message.kind !== 'result' || operation.kind !== 'invoke') return;
        const result = operation.result.parse(message.result);
        rebuilt = serializeRose(buildResult(message, name as InvokeOperationName, result as never), 'tcp');
      } else {
        assert.equal(message.kind, 'invoke');
        if (message.kind !== 'invoke') return;
        assert.equal(message.invokeID, 99999);
        assert.equal(findOperation(message.operationID), operation);
        const argument = operation.argument.parse(message.argument);
        rebuilt = serializeRose(buildEvent(name as OutboundEventName, argument as never), 'tcp');
      }
      assert.equal(rebuilt, frame.json);
      assert.deepEqual(encodeFrame(rebuilt, 'json-framed'), frame.bytes);
    });
  }

  test('interpretInbound() on server-only events (frames 15–19, 22) received from a client drops them', () => {
    for (const no of ['15', '17', '19', '22']) {
      const action = interpretInbound(frames.find((f) => f.no === no)!.json);
      assert.equal(action.type, 'drop', no);
      if (action.type === 'drop') assert.equal(action.reason, 'unexpected-direction');
    }
  });

  test('interpretInbound() on server results (frames 02, 04, …) classifies them as responses', () => {
    for (const frame of frames.filter((f) => expected[f.no]!.kind === 'result')) {
      const action = interpretInbound(frame.json);
      assert.equal(action.type, 'response', frame.no);
    }
  });
});
