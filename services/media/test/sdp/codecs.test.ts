import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCodec, routerMediaCodecs } from '../../src/sdp/codecs.ts';
import { payloadTypesOf } from '../../src/sdp/negotiation.ts';
import { parseBrowserSdp } from '../../src/sdp/browserSdp.ts';
import { parsePbxSdp } from '../../src/sdp/pbxSdp.ts';
import { fixture } from './fixtures.ts';

describe('codec table', () => {
  const rows = [
    { input: ['opus', 48000, 2], expected: 'opus' },
    { input: ['OPUS', 48000, undefined], expected: 'opus' },
    { input: ['opus', 48000, 1], expected: undefined },
    { input: ['G722', 8000, undefined], expected: 'G722' },
    { input: ['G722', 16000, undefined], expected: undefined },
    { input: ['pcmu', 8000, 1], expected: 'PCMU' },
    { input: ['PCMA', 8000, undefined], expected: 'PCMA' },
    { input: ['G729', 8000, undefined], expected: undefined },
    { input: ['telephone-event', 8000, undefined], expected: undefined },
  ] as const;
  for (const row of rows) {
    test(`findCodec(${row.input.join(', ')}) is ${row.expected ?? 'unsupported'}`, () => {
      assert.equal(findCodec(row.input[0], row.input[1], row.input[2])?.name, row.expected);
    });
  }

  test('routerMediaCodecs() numbers codecs as the first SDP does (Chromium: opus 111, te 110/126)', () => {
    const pts = payloadTypesOf(parseBrowserSdp(fixture('chromium-offer.sdp'), 'offer').codecs);
    const codecs = routerMediaCodecs(pts);
    const pt = (mime: string, rate: number) => codecs.find((c) => c.mimeType === mime && c.clockRate === rate)!.preferredPayloadType;
    assert.equal(pt('audio/opus', 48000), 111);
    assert.equal(pt('audio/telephone-event', 48000), 110);
    assert.equal(pt('audio/telephone-event', 8000), 126);
    assert.equal(pt('audio/PCMU', 8000), 0);
    assert.equal(new Set(codecs.map((c) => c.preferredPayloadType)).size, codecs.length, 'no duplicate payload types');
  });

  test('routerMediaCodecs() keeps clear of numbers the SDP used for something else', () => {
    // A PBX numbering telephone-event 111 pushes our default opus 111 elsewhere.
    const pts = payloadTypesOf(parsePbxSdp(fixture('asterisk-offer.sdp').replace(/101/g, '111'), 'pbx').codecs);
    const codecs = routerMediaCodecs(pts);
    assert.equal(codecs.find((c) => c.mimeType === 'audio/telephone-event' && c.clockRate === 8000)!.preferredPayloadType, 111);
    assert.notEqual(codecs.find((c) => c.mimeType === 'audio/opus')!.preferredPayloadType, 111);
    assert.equal(new Set(codecs.map((c) => c.preferredPayloadType)).size, codecs.length);
  });
});
