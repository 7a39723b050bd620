// A diagnosis first: every softphone test needs the mediasoup worker to survive a DTLS handshake.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '@ucserver/testkit';
import { startHarness } from '../support/harness.ts';
import { WeriftPhone } from '@ucserver/testkit/werift';

describe('mediasoup worker', { timeout: 30_000 }, () => {
  test('completes a DTLS handshake with a WebRTC peer without dying', async (t) => {
    const h = await startHarness(t);
    const phone = new WeriftPhone({ codecs: ['PCMU'] });
    t.after(() => phone.close());
    const worker = h.app.pool.workers[0]!;
    let died: Error | undefined;
    worker.once('died', (err) => {
      died = err;
    });
    await h.request('softphoneOffer', { callId: 'dtls', sdp: await phone.offer() });
    await h.request('pbxCreateOffer', { callId: 'dtls', srtp: 'off' });
    await h.request('pbxApplyAnswer', { callId: 'dtls', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n' });
    await phone.applyAnswer((await h.request('softphoneAnswer', { callId: 'dtls' })).sdp);
    try {
      await phone.connected(5000);
    } catch (err) {
      if (died) {
        assert.fail(
          `the mediasoup worker at ${process.env.MEDIASOUP_WORKER_BIN ?? '(bundled)'} died during DTLS (${died.message}). ` +
            'Known cause: built against a KTLS-enabled OpenSSL (Debian\'s), mediasoup\'s DtlsTransport BIO callback answers 1 ' +
            'to BIO_CTRL_GET_KTLS_SEND, so libssl allocates no write buffer and writes through NULL. Rebuild the worker with ' +
            "`(operationType & BIO_CB_RETURN) ? ret : 1` in onSslBioOut (worker/src/RTC/DtlsTransport.cpp), or against an OpenSSL built with no-ktls.",
        );
      }
      throw err;
    }
    await check(() => h.app.node.call('dtls')!.softphoneLeg!.state === 'connected', 3000, { name: 'the softphone leg connected on the node side' });
    await h.request('close', { callId: 'dtls' });
    await h.assertNoTransports();
  });
});
