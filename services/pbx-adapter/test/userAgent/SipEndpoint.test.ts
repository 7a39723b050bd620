// The SipEndpoint's answers to the RFC 4475 cases issue 11 names, with the trust screen in place, on
// real UDP and TCP loopback sockets: from a trusted source intmeth (an unknown but valid method) gets
// 405 with Allow, unkscm 416, the REGISTERs cparam02/regescrt 405 with Allow (we are no registrar), and
// a TCP request whose Via says UDP is answered on its connection; from an untrusted source every one of
// them gets 403 and reaches no listener; past its rate an untrusted source gets nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { createMetricsRegistry } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import { PbxAdapterMetrics } from '../../src/http/metrics.ts';
import { screenRates } from '../../src/trust/screen.ts';
import { SourceScreen } from '../../src/trust/SourceScreen.ts';
import { SipEndpoint } from '../../src/userAgent/SipEndpoint.ts';
import { torture } from '../sip/rfc4475.ts';

const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';

/** The RFC 4475 message with its top Via replaced by one at `host:port` (rport), naming `proto`. */
const withVia = (name: string, proto: string, host: string, port: number): Buffer =>
  Buffer.from(torture(name).toString('latin1').replace(/^(Via|v)[ \t]*:[^\r\n]*(\r\n[ \t][^\r\n]*)*/im, `Via: SIP/2.0/${proto} ${host}:${port};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`), 'latin1');

const statusLines = (texts: string[]): string[] => texts.flatMap((t) => t.split(/(?=SIP\/2\.0 \d{3} )/)).filter((t) => t.startsWith('SIP/2.0 '));

describe('SipEndpoint with the trust screen: RFC 4475 answers', () => {
  let endpoint: SipEndpoint;
  let metrics: PbxAdapterMetrics;
  const invites: string[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    metrics = new PbxAdapterMetrics(createMetricsRegistry('pbx-adapter'));
    const screen = new SourceScreen({ peers: [], rates: screenRates(1000, 3), maxSources: 64 });
    screen.setPbxHosts([TRUSTED]);
    screen.on('screened', (reason) => metrics.sipScreened.inc({ reason }));
    endpoint = await SipEndpoint.create({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], userAgent: 'test', logger: testLogger('sip'), metrics, screen });
    endpoint.on('invite', (request, tx) => {
      invites.push(request.headers.callId());
      endpoint.reply(tx, 486);
    });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await endpoint.close();
  });

  const udp = async (from: string, name: string): Promise<string[]> => {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, from, () => resolve()));
    const got: string[] = [];
    socket.on('message', (m) => got.push(m.toString('latin1')));
    const { port } = socket.address();
    socket.send(withVia(name, 'UDP', from, port), endpoint.local('udp').port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    return statusLines(got);
  };
  const tcp = (from: string, name: string): Promise<string[]> =>
    new Promise((resolve) => {
      let text = '';
      const s = connect({ host: '127.0.0.1', port: endpoint.local('tcp').port, localAddress: from }, () => {
        // The Via says UDP on purpose: the answer still belongs on this connection (RFC 3261 §18.2.2).
        s.write(withVia(name, 'UDP', from, s.localPort ?? 0));
      });
      s.on('data', (d) => (text += d.toString('latin1')));
      s.on('error', () => undefined);
      setTimeout(() => {
        s.destroy();
        resolve(statusLines([text]));
      }, 300);
    });

  const cases: Array<[string, string]> = [
    ['intmeth', 'SIP/2.0 405 Method Not Allowed'],
    ['unkscm', 'SIP/2.0 416 Unsupported URI Scheme'],
    ['cparam02', 'SIP/2.0 405 Method Not Allowed'],
    ['regescrt', 'SIP/2.0 405 Method Not Allowed'],
  ];
  for (const [name, expected] of cases) {
    it(`${name} from a trusted source: ${expected.slice(8)} over UDP and on the TCP connection`, async () => {
      for (const answers of [await udp(TRUSTED, name), await tcp(TRUSTED, name)]) {
        assert.equal(answers.length, 1, JSON.stringify(answers));
        assert.ok(answers[0]!.startsWith(expected), answers[0]);
        if (expected.includes('405')) assert.match(answers[0]!, /\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS/);
      }
    });
  }

  it('from an untrusted source every case gets 403 (UDP, TCP) and no INVITE reaches the listener', async () => {
    const got: string[] = [];
    for (const name of ['intmeth', 'unkscm']) {
      got.push(...(await udp(UNTRUSTED, name)), ...(await tcp(UNTRUSTED, name)));
    }
    got.push(...(await udp(UNTRUSTED, 'wsinv')));
    assert.deepEqual(got.map((t) => t.split('\r\n')[0]), Array(5).fill('SIP/2.0 403 Forbidden'));
    assert.deepEqual(invites, []);
  });

  it('past its rate (3/s, bursts of 6) an untrusted source is dropped unparsed, without answer, and counted', async () => {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.3', () => resolve()));
    let answers = 0;
    socket.on('message', () => answers++);
    for (let i = 0; i < 20; i++) socket.send(withVia('intmeth', 'UDP', '127.0.0.3', socket.address().port), endpoint.local('udp').port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(answers >= 6 && answers <= 7, `the burst answered (403), the rest not (got ${answers})`);
    const rateLimited = (await metrics.sipScreened.get()).values.find((v) => v.labels.reason === 'rate-limited')?.value ?? 0;
    assert.ok(rateLimited >= 13, `rate-limited counted (${rateLimited})`);
  });
});
