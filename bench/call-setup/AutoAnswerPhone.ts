// One ENetUC softphone session for bench/call-setup: logs in over TCP 7222 as a softphone (capabilities say
// so, so AV calls are offered to it), answers every incoming call at once (alert + connect with an SDP answer
// to the node's offer) and places calls with a Chromium-like SDP offer. Its media endpoints never run ICE:
// call setup does not wait for ICE/DTLS (the node answers the SDP before either starts), and a client that
// does not spend a JS DTLS handshake per call lets two cores drive 100 calls/s against the server.
import { randomBytes } from 'node:crypto';
import { EnetucClient } from '../../services/cti-gateway/src/client/EnetucClient.ts';
import { softphoneSdp } from '../media-relay/softphoneSdp.ts';

const fingerprint = (): string => [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
const ice = (): { ufrag: string; pwd: string } => ({ ufrag: randomBytes(4).toString('hex'), pwd: randomBytes(12).toString('hex') });

/** What the callee side saw of one incoming call: when the offer arrived and when its answer left. */
export interface AnsweredCall {
  ctiCallId: string;
  offeredAt: number;
  answeredAt: number;
}

export class AutoAnswerPhone {
  readonly client: EnetucClient;
  readonly line: string;
  /** Incoming calls by CTI connection id (the caller's and callee's ids differ; the bench matches by line). */
  readonly #answered: AnsweredCall[] = [];
  readonly #waiters: Array<(call: AnsweredCall) => void> = [];
  readonly #answerDelayMs: number;

  private constructor(client: EnetucClient, line: string, answerDelayMs: number) {
    this.client = client;
    this.line = line;
    this.#answerDelayMs = answerDelayMs;
    client.on('event', (e: { name: string; argument: unknown }) => {
      if (e.name === 'asnAVNewCallV2') this.#onNewCall(e.argument as NewCall);
    });
  }

  static async connect(o: { host: string; port: number; login: string; password: string; line: string; answerDelayMs?: number }): Promise<AutoAnswerPhone> {
    const client = await EnetucClient.connectTcp({ host: o.host, port: o.port, timeoutMs: 15_000 });
    await client.login(o.login, o.password, { softphone: true });
    return new AutoAnswerPhone(client, o.line, o.answerDelayMs ?? 0);
  }

  #onNewCall(nc: NewCall): void {
    const offeredAt = performance.now();
    const answer = (): void => {
      const ids = { u8sCallID: nc.callAndConnectionID.u8sCallID, endpointIDTo: nc.endpointIDFrom, u8sUriTo: nc.u8sUriFrom };
      this.client.sendEvent('asnAVAlertV2', { ...ids, endpointIDFrom: nc.callAndConnectionID.u8sEndpointID, u8sContentType: '', u8sBody: '' });
      const offer = nc.u8sBody;
      const mid = /^a=mid:(\S+)/m.exec(offer)?.[1] ?? '0';
      const pt = Number(/^a=rtpmap:(\d+) PCMU\/8000/m.exec(offer)?.[1] ?? 0);
      const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)?.[1];
      const sdp = softphoneSdp({ address: '127.0.0.1', port: 9, ice: ice(), fingerprint: fingerprint(), ssrc: randomBytes(4).readUInt32BE(0) || 1, answer: { mid, pt, te: te === undefined ? undefined : Number(te) } });
      this.client.sendEvent('asnAVConnectV2', { ...ids, connectedEndPointID: nc.callAndConnectionID.u8sEndpointID, callType: 65535, u8sContentType: 'application/sdp', u8sBody: sdp });
      const call = { ctiCallId: nc.u8sCTIConnectionID, offeredAt, answeredAt: performance.now() };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(call);
      else this.#answered.push(call);
    };
    if (this.#answerDelayMs > 0) setTimeout(answer, this.#answerDelayMs);
    else answer();
  }

  /** The next incoming call this phone answered (already answered, or within `timeoutMs`). */
  nextAnswered(timeoutMs: number): Promise<AnsweredCall> {
    const done = this.#answered.shift();
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(onCall);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`line ${this.line}: no incoming call within ${timeoutMs} ms`));
      }, timeoutMs);
      const onCall = (call: AnsweredCall): void => {
        clearTimeout(timer);
        resolve(call);
      };
      this.#waiters.push(onCall);
    });
  }

  /**
   * Places a call to `to` and resolves when the caller's asnAVConnectV2 arrives, with the moments (from
   * performance.now()) the request left and the connect arrived, and the AV call id to hang up with.
   */
  async call(to: string, timeoutMs: number): Promise<{ sentAt: number; connectedAt: number; avCallId: string }> {
    const offer = softphoneSdp({ address: '127.0.0.1', port: 9, ice: ice(), fingerprint: fingerprint(), ssrc: randomBytes(4).readUInt32BE(0) || 1, g711First: true });
    const sentAt = performance.now();
    const r = await this.client.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: `tel:${this.line}`, u8sUriTo: `tel:${to}`, u8sContentType: 'application/sdp', u8sBody: offer }, { timeoutMs });
    const avCallId = r.callAndConnectionID.u8sCallID;
    try {
      await this.client.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === avCallId, Math.max(1, timeoutMs - (performance.now() - sentAt)));
    } catch (err) {
      // A dropped call's failure names the cause the server gave (the run's table groups failures by it).
      const drop = this.client.received.find((e) => e.name === 'asnAVDropCall' && (e.argument as { dropTarget?: { u8sCallID?: string } }).dropTarget?.u8sCallID === avCallId);
      if (!drop) throw err;
      throw new Error(`dropped before connect: ${(drop.argument as { u8sCause?: string }).u8sCause ?? '?'}`, { cause: err });
    }
    const connectedAt = performance.now();
    // Forget what this call left behind, so a long run keeps no history.
    this.client.received.length = 0;
    return { sentAt, connectedAt, avCallId };
  }

  hangUp(avCallId: string): void {
    this.client.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: avCallId }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
  }

  close(): void {
    this.client.close();
  }
}

/** What asnAVNewCallV2 carries that an auto-answering phone reads. */
export interface NewCall {
  u8sCTIConnectionID: string;
  u8sUriFrom: string;
  u8sBody: string;
  endpointIDFrom: string;
  callAndConnectionID: { u8sCallID: string; u8sEndpointID: string };
}
