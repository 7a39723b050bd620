// The mix by hand (manual clock): three PCMU participants with three tones each hear the other two and
// not their own; a lost packet is concealed, a reordered one played in order; a participant leaving
// leaves the others mixing; the bound on participants holds; the timer runs and stops.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tonePower } from '@ucserver/testkit';
import { codecFor } from '../../src/conference/codecFor.ts';
import { decodeG711, encodeG711 } from '../../src/conference/g711.ts';
import { MixParticipant } from '../../src/conference/MixParticipant.ts';
import { Mixer } from '../../src/conference/Mixer.ts';
import { buildRtp, parseRtp } from '../../src/conference/rtp.ts';
import { CallStateError } from '../../src/errors.ts';

const tones = { a: 500, b: 900, c: 1400 } as const;
type Name = keyof typeof tones;

/** 20 ms of PCMU at 8 kHz of `frequency`, packet `index`. */
function pcmuPacket(frequency: number, index: number, ssrc: number): Buffer {
  const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * frequency * (index * 160 + i)) / 8000)));
  return buildRtp({ payloadType: 0, marker: index === 0, sequenceNumber: index, timestamp: index * 160, ssrc }, encodeG711('ulaw', samples));
}

function seat(mixer: Mixer, id: string, received: Map<string, Buffer[]>): MixParticipant {
  const p = new MixParticipant({ id, codec: codecFor('PCMU'), inPayloadType: 0, outPayloadType: 0, outSsrc: 0x1000 + id.charCodeAt(0) });
  received.set(id, []);
  mixer.add(p, (packet) => received.get(id)!.push(packet));
  return p;
}

function heard(packets: Buffer[]): Int16Array {
  const out: number[] = [];
  for (const packet of packets) {
    const rtp = parseRtp(packet)!;
    const pcm = new Int16Array(rtp.payload.length);
    decodeG711('ulaw', rtp.payload, pcm);
    out.push(...pcm);
  }
  return Int16Array.from(out);
}

describe('Mixer', () => {
  test('three participants each hear the two other tones and not their own', () => {
    const mixer = new Mixer({ maxParticipants: 4, manualClock: true });
    const received = new Map<string, Buffer[]>();
    const parts = Object.fromEntries((Object.keys(tones) as Name[]).map((n) => [n, seat(mixer, n, received)])) as Record<Name, MixParticipant>;
    for (let k = 0; k < 50; k++) {
      for (const n of Object.keys(tones) as Name[]) parts[n].receive(pcmuPacket(tones[n], k, n.charCodeAt(0)));
      mixer.tick();
    }
    for (const n of Object.keys(tones) as Name[]) {
      const packets = received.get(n)!;
      assert.equal(packets.length, 50);
      const rtp = packets.map((p) => parseRtp(p)!);
      for (let i = 1; i < rtp.length; i++) {
        assert.equal(rtp[i]!.sequenceNumber, (rtp[i - 1]!.sequenceNumber + 1) & 0xffff);
        assert.equal(rtp[i]!.timestamp, (rtp[i - 1]!.timestamp + 160) >>> 0);
      }
      const pcm = heard(packets.slice(10));
      for (const other of Object.keys(tones) as Name[]) {
        const share = tonePower(pcm, tones[other], 8000);
        if (other === n) assert.ok(share < 0.02, `${n} hears its own ${tones[other]} Hz (${share})`);
        else assert.ok(share > 0.3, `${n} misses ${other}'s ${tones[other]} Hz (${share})`);
      }
    }
    mixer.close();
  });

  test('reordered packets play in order; a lost one is concealed; junk is discarded', () => {
    const mixer = new Mixer({ maxParticipants: 2, manualClock: true });
    const received = new Map<string, Buffer[]>();
    const a = seat(mixer, 'a', received);
    seat(mixer, 'b', received);
    const order = [0, 1, 3, 2, 4, 6, 7, 8, 9];
    for (const k of order) a.receive(pcmuPacket(700, k, 1));
    a.receive(Buffer.from('not rtp'));
    a.receive(buildRtp({ payloadType: 101, marker: false, sequenceNumber: 5, timestamp: 0, ssrc: 1 }, Buffer.alloc(4)));
    for (let k = 0; k < 10; k++) mixer.tick();
    const stats = a.stats;
    assert.equal(stats.received, 9);
    assert.equal(stats.discarded, 2);
    assert.equal(stats.lost, 1);
    assert.ok(stats.concealed >= 1);
    assert.ok(tonePower(heard(received.get('b')!.slice(2, 9)), 700, 8000) > 0.5);
    mixer.close();
  });

  test('a participant leaving leaves the other two mixing', () => {
    const mixer = new Mixer({ maxParticipants: 3, manualClock: true });
    const received = new Map<string, Buffer[]>();
    const parts = Object.fromEntries((Object.keys(tones) as Name[]).map((n) => [n, seat(mixer, n, received)])) as Record<Name, MixParticipant>;
    assert.equal(mixer.remove('c'), true);
    assert.equal(mixer.remove('c'), false);
    for (let k = 0; k < 30; k++) {
      parts.a.receive(pcmuPacket(tones.a, k, 1));
      parts.b.receive(pcmuPacket(tones.b, k, 2));
      mixer.tick();
    }
    assert.equal(received.get('c')!.length, 0);
    assert.ok(tonePower(heard(received.get('a')!.slice(5)), tones.b, 8000) > 0.8);
    assert.ok(tonePower(heard(received.get('b')!.slice(5)), tones.a, 8000) > 0.8);
    mixer.close();
  });

  test('refuses a participant beyond the maximum, a second one with the same id, and any after close', () => {
    const mixer = new Mixer({ maxParticipants: 2, manualClock: true });
    const received = new Map<string, Buffer[]>();
    seat(mixer, 'a', received);
    assert.throws(() => seat(mixer, 'a', received), CallStateError);
    seat(mixer, 'b', received);
    assert.throws(() => seat(mixer, 'c', received), /full/);
    mixer.close();
    assert.throws(() => seat(mixer, 'd', received), /closed/);
    assert.throws(() => new Mixer({ maxParticipants: 1 }), RangeError);
  });

  test('the clock ticks every 20 ms while anyone is in, and stops on close', async () => {
    const mixer = new Mixer({ maxParticipants: 2 });
    const received = new Map<string, Buffer[]>();
    seat(mixer, 'a', received);
    await new Promise((r) => setTimeout(r, 500));
    const ticks = mixer.stats.ticks;
    // 25 frames due; bounded generously for a loaded machine (the clock catches up on late timers).
    assert.ok(ticks >= 15 && ticks <= 30, `ticks in 500 ms: ${ticks}`);
    mixer.close();
    const after = mixer.stats.ticks;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(mixer.stats.ticks, after);
  });
});
