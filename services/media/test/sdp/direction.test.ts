// The answer direction table (RFC 3264 §6.1): what the node answers to a softphone's (re-)offer, hold
// the WebRTC way included, and the intersection used toward the PBX.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answerDirection, canRecv, canSend, intersectDirection, type Direction } from '../../src/sdp/direction.ts';

describe('SDP direction', () => {
  test('answerDirection: the mirror of the offer', () => {
    const rows: Array<[offered: Direction, answered: Direction]> = [
      ['sendonly', 'recvonly'],
      ['inactive', 'inactive'],
      ['sendrecv', 'sendrecv'],
      ['recvonly', 'sendonly'],
    ];
    for (const [offered, answered] of rows) assert.equal(answerDirection(offered), answered, `${offered} → ${answered}`);
  });

  test('canSend / canRecv from the author\'s point of view', () => {
    const rows: Array<[Direction, boolean, boolean]> = [
      ['sendrecv', true, true],
      ['sendonly', true, false],
      ['recvonly', false, true],
      ['inactive', false, false],
    ];
    for (const [d, send, recv] of rows) assert.deepEqual([canSend(d), canRecv(d)], [send, recv], d);
  });

  test('intersectDirection: what the offer allows and what we want', () => {
    const rows: Array<[offered: Direction, wanted: Direction, result: Direction]> = [
      ['sendrecv', 'sendrecv', 'sendrecv'],
      ['sendonly', 'sendrecv', 'recvonly'],
      ['recvonly', 'sendrecv', 'sendonly'],
      ['sendrecv', 'sendonly', 'sendonly'],
      ['sendonly', 'sendonly', 'inactive'],
      ['inactive', 'sendrecv', 'inactive'],
    ];
    for (const [offered, wanted, result] of rows) assert.equal(intersectDirection(offered, wanted), result, `${offered} ∩ ${wanted}`);
  });
});
