// Our transfer command (REFER) answers with the transfer's fate as the transferee's NOTIFYs report it:
// a refusal that comes late is still the command's error, and a target that alerts makes it succeed
// at once while the call ends only with the target's 200. SIPp plays the PBX (the transferee).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { REFER_OUTCOME_WAIT_MS } from '@ucserver/shared';
import { freePort, header, NatsServer, Sipp, type SipMessage } from '@ucserver/testkit';
import { WeriftPhone } from '@ucserver/testkit/werift';
import { CallBench } from '../support/CallBench.ts';
import { testLine, type Gateway } from '../support/Gateway.ts';
import type { MediaService } from '../support/MediaService.ts';
import { pbxSoftphone } from '../support/softphone.ts';

const scenario = fileURLToPath(new URL('../fixtures/sipp/uas-answer-refer-progress.xml', import.meta.url));
const received = (messages: SipMessage[], method: string): SipMessage[] => messages.filter((m) => m.direction === 'received' && m.method === method && m.status === undefined);

describe('the transfer command and the transferee\'s NOTIFYs', { timeout: 60_000 }, () => {
  let nats: NatsServer;
  let bench: CallBench;
  let gateway: Gateway;
  let media: MediaService;
  let phone: WeriftPhone | undefined;

  before(async () => {
    nats = await NatsServer.start();
    bench = await CallBench.start({ natsUrl: nats.url, lines: [] });
    ({ gateway, media } = bench);
    await bench.adapter.linesSynced;
  });
  after(async () => {
    await phone?.close();
    await bench?.dispose();
    await nats?.dispose();
  });

  it('a refusal 3.5 s after the 202 fails the command and the call goes on; a target that alerts succeeds at once, the call ends with its 200', async (t) => {
    const mediaPort = await freePort({ count: 2, even: true });
    const sipp = await Sipp.start({ scenario, calls: 2, args: ['-mp', String(mediaPort)], timeoutMs: 30_000 });
    t.after(() => sipp.dispose());
    const mark = gateway.registrations.length;
    gateway.upsert(testLine({ number: '110', registrar: `127.0.0.1:${sipp.localPort}` }));
    await gateway.waitRegistration('line-110', 'registered', 10_000, mark);

    const callId = randomUUID();
    phone = new WeriftPhone(pbxSoftphone);
    await gateway.media(media.nodeId, 'softphoneOffer', { callId, sdp: await phone.offer() });
    await gateway.pbx('makeCall', { callId, lineId: 'line-110', to: '555', mediaNodeId: media.nodeId, origin: 'softphone' });
    await gateway.waitCallState(callId, 'connected');

    // 3.5 s is beyond the old 3 s wait, which reported this refusal as a transfer under way.
    assert.ok(REFER_OUTCOME_WAIT_MS > 3500, 'the scenario\'s refusal comes within the wait');
    const started = Date.now();
    await assert.rejects(gateway.pbx('redirect', { callId, target: '404' }), /REFER failed: 404 \(transfer target\) Not Found/);
    const refusedAfter = Date.now() - started;
    assert.ok(refusedAfter >= 3400, `the command waited for the refusal (${refusedAfter} ms)`);
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'ringback', 'connected'], 'the call goes on');

    await gateway.pbx('redirect', { callId, target: '777' });
    assert.deepEqual(gateway.timeline(callId), ['dialing', 'ringback', 'connected'], 'the command answered on 180, before the target\'s 200 (1.5 s later)');
    const ended = await gateway.waitCallState(callId, 'disconnected');
    assert.equal(ended.cause, 'redirected');

    const result = await sipp.done;
    assert.equal(result.exitCode, 0, result.log);
    assert.deepEqual(received(result.messages, 'REFER').map((m) => header(m, 'Refer-To')), [`<sip:404@127.0.0.1:${sipp.localPort}>`, `<sip:777@127.0.0.1:${sipp.localPort}>`]);
    assert.equal(received(result.messages, 'BYE').length, 1, 'our BYE after the second transfer succeeded');
  });
});
