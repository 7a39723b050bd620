// One ENetUC softphone user of the multi-host fault test (issue 18): logged in over TCP 7222 as a
// softphone, knowing every gateway's address and failing over to the next one when its connection drops
// (as a client behind a load balancer would be sent elsewhere), logging in again there. It answers every
// incoming call at once and carries one call at a time. With `webrtc` each call gets a werift peer
// connection (real ICE, DTLS, SRTP) from the test's address sending a PCMU tone, so the test can hear the
// other side's tone; without it the phone is signalling-only (a Chromium-like SDP whose ICE never runs).
import { randomBytes } from 'node:crypto';
import type { WeriftPhoneOptions } from '@ucserver/testkit/werift';
import type { NewCall } from '../../../bench/call-setup/AutoAnswerPhone.ts';
import { softphoneSdp } from '../../../bench/media-relay/softphoneSdp.ts';
import { EnetucClient, EnetucRequestError } from '../../../services/cti-gateway/src/client/EnetucClient.ts';
import type { PhoneMediaPool } from './PhoneMediaPool.ts';
import type { PhoneMedia } from './PhoneMediaPoolTypes.ts';

const fingerprint = (): string => [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
const ice = (): { ufrag: string; pwd: string } => ({ ufrag: randomBytes(4).toString('hex'), pwd: randomBytes(12).toString('hex') });
/**
 * PCMU only, so what each side hears is checked as a G.711 tone (as the pbx-adapter's call suites do).
 * Received packets are counted, and kept only while the test listens ({@link HostPhone.hears}): a hundred
 * phones would otherwise hold 5,000 packets a second.
 */
const PHONE: WeriftPhoneOptions = { codecs: ['PCMU'], telephoneEvent: false, headerExtensions: false, keepReceived: false };
/** Reconnecting gives up after this long without any gateway accepting the login. */
const RECONNECT_LIMIT_MS = 60_000;

export interface GatewayAddress {
  name: string;
  host: string;
  port: number;
}

export interface HostPhoneOptions {
  login: string;
  password: string;
  line: string;
  /** Its gateway first, then the others it fails over to. */
  gateways: GatewayAddress[];
  /** Real WebRTC from `address` with a PCMU tone of `toneHz` on every call, its peer connections in `pool`. */
  webrtc?: { address: string; toneHz: number; pool: PhoneMediaPool };
  log?: (message: string) => void;
}

/** This phone's side of one call. */
export interface HostCall {
  avCallId: string;
  /** The CTI connection id: the call id of this line's journal row. */
  ctiCallId: string;
  direction: 'outbound' | 'inbound';
  /** The gateway the phone was logged in at when the call began (the gateway that owns its leg). */
  gateway: string;
  /** Set when the call ended without our hang-up: the asnAVDropCall cause, or 'connection lost'. */
  endedCause?: string;
  endedAt?: number;
  media?: PhoneMedia;
}

interface IncomingWaiter {
  resolve: (call: HostCall) => void;
  reject: (err: Error) => void;
}

export class HostPhone {
  readonly login: string;
  readonly line: string;
  readonly #o: HostPhoneOptions;
  #client: EnetucClient | undefined;
  #index = 0;
  #closing = false;
  #reconnecting: Promise<void> | undefined;
  /** Times the connection dropped and the phone logged in again (at another gateway or the same). */
  reconnects = 0;
  /** Logins with the token of an earlier login (no password check on the server). */
  tokenLogins = 0;
  #token: string | undefined;
  /** When the last drop happened and when the login after it succeeded (epoch ms). */
  lostAt: number | undefined;
  backAt: number | undefined;
  current: HostCall | undefined;
  readonly #incoming: IncomingWaiter[] = [];

  private constructor(o: HostPhoneOptions) {
    this.#o = o;
    this.login = o.login;
    this.line = o.line;
  }

  static async connect(o: HostPhoneOptions): Promise<HostPhone> {
    const phone = new HostPhone(o);
    await phone.#connectAny(15_000);
    return phone;
  }

  /** The gateway it is logged in at now. */
  get gateway(): string {
    return this.#o.gateways[this.#index]!.name;
  }

  get connected(): boolean {
    return this.#client !== undefined && !this.#client.closed;
  }

  /**
   * Logs in as an ENetUC client does: with the token of its last login when it has one (the gateways share
   * AUTH_TOKEN_SECRET, so a token from gw-a is good at gw-b, and no password is hashed: when a gateway dies,
   * half the users log in at the other at once, and 52 scrypt checks on a loaded machine took over 30 s), with
   * the password otherwise or when the token is refused (expired, revoked).
   */
  async #logIn(client: EnetucClient): Promise<Awaited<ReturnType<EnetucClient['login']>>> {
    if (this.#token !== undefined) {
      try {
        const r = await client.loginWithToken(this.#token, { softphone: true });
        this.tokenLogins += 1;
        return r;
      } catch (err) {
        if (!(err instanceof EnetucRequestError)) throw err;
        this.#token = undefined;
        this.#o.log?.(`${this.login}: token refused (${err.message}); logging in with the password`);
      }
    }
    return client.login(this.login, this.#o.password, { softphone: true });
  }

  /** Tries the gateways in turn from the current one until a login succeeds, at most `limitMs`. */
  async #connectAny(limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    let last: unknown;
    while (Date.now() < deadline && !this.#closing) {
      const gw = this.#o.gateways[this.#index]!;
      try {
        // 30 s: when one gateway dies, half the users log in at the other at once, each a password check;
        // a client that gives up sooner (10 s did on a loaded machine) only repeats the work.
        const client = await EnetucClient.connectTcp({ host: gw.host, port: gw.port, timeoutMs: 30_000 });
        try {
          const result = await this.#logIn(client);
          const issued = 'succceeded' in result ? result.succceeded.token : undefined;
          if (issued) this.#token = 'u8sToken' in issued ? issued.u8sToken : issued.u8sJwt;
        } catch (err) {
          client.close();
          throw err;
        }
        this.#attach(client);
        return;
      } catch (err) {
        last = err;
        this.#index = (this.#index + 1) % this.#o.gateways.length;
        // One round over all gateways failed: wait a little (jittered, so the clients spread) before the next.
        if (this.#index === 0 || this.#o.gateways.length === 1) await new Promise((r) => setTimeout(r, 250 + Math.random() * 750));
      }
    }
    throw new Error(`${this.login}: no gateway accepted the login within ${limitMs} ms: ${(last as Error | undefined)?.message ?? 'closing'}`);
  }

  #attach(client: EnetucClient): void {
    this.#client = client;
    client.on('event', (e: { name: string; argument: unknown }) => {
      if (e.name === 'asnAVNewCallV2') this.#onNewCall(client, e.argument as NewCall);
      else if (e.name === 'asnAVDropCall') {
        const a = e.argument as { dropTarget: { u8sCallID?: string }; u8sCause?: string };
        if (this.current && a.dropTarget.u8sCallID === this.current.avCallId) this.#ended(a.u8sCause ?? 'dropped');
      }
    });
    client.once('close', () => {
      if (this.#closing || this.#client !== client) return;
      this.lostAt = Date.now();
      // The call's state lived on that gateway: for this client it is gone with the connection.
      if (this.current) this.#ended('connection lost');
      this.#index = (this.#index + 1) % this.#o.gateways.length;
      this.#reconnecting = this.#connectAny(RECONNECT_LIMIT_MS).then(() => {
        this.reconnects += 1;
        this.backAt = Date.now();
        this.#o.log?.(`${this.login}: logged in again at ${this.gateway} ${this.backAt - this.lostAt!} ms after the drop`);
      }, (err: unknown) => this.#o.log?.(`${this.login}: ${(err as Error).message}`)).finally(() => {
        this.#reconnecting = undefined;
      });
    });
  }

  /** Resolves once a reconnect under way has ended (logged in, or given up). */
  async settled(): Promise<void> {
    await this.#reconnecting;
  }

  #ended(cause: string): void {
    const call = this.current;
    if (!call || call.endedCause) return;
    call.endedCause = cause;
    call.endedAt = Date.now();
    // The peer connection stays open and keeps sending its tone until the test forgets the call: so the
    // test can tell that the system stopped the call's media (nothing reaches either phone), which it
    // could not if the phones fell silent themselves.
  }

  #onNewCall(client: EnetucClient, nc: NewCall): void {
    const call: HostCall = { avCallId: nc.callAndConnectionID.u8sCallID, ctiCallId: nc.u8sCTIConnectionID, direction: 'inbound', gateway: this.gateway };
    this.current = call;
    // Forget what earlier calls left behind, so a long run keeps no history.
    client.received.length = 0;
    const ids = { u8sCallID: call.avCallId, endpointIDTo: nc.endpointIDFrom, u8sUriTo: nc.u8sUriFrom };
    const answer = async (): Promise<void> => {
      client.sendEvent('asnAVAlertV2', { ...ids, endpointIDFrom: nc.callAndConnectionID.u8sEndpointID, u8sContentType: '', u8sBody: '' });
      let sdp: string;
      if (this.#o.webrtc) {
        call.media = this.#o.webrtc.pool.create({ ...PHONE, address: this.#o.webrtc.address });
        sdp = await call.media.answer(nc.u8sBody);
      } else {
        const offer = nc.u8sBody;
        const mid = /^a=mid:(\S+)/m.exec(offer)?.[1] ?? '0';
        const pt = Number(/^a=rtpmap:(\d+) PCMU\/8000/m.exec(offer)?.[1] ?? 0);
        const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)?.[1];
        sdp = softphoneSdp({ address: '127.0.0.1', port: 9, ice: ice(), fingerprint: fingerprint(), ssrc: randomBytes(4).readUInt32BE(0) || 1, answer: { mid, pt, te: te === undefined ? undefined : Number(te) } });
      }
      client.sendEvent('asnAVConnectV2', { ...ids, connectedEndPointID: nc.callAndConnectionID.u8sEndpointID, callType: 65535, u8sContentType: 'application/sdp', u8sBody: sdp });
      if (call.media) {
        await call.media.connected(20_000);
        await call.media.startTone(this.#o.webrtc!.toneHz);
      }
    };
    answer().then(() => {
      this.#incoming.shift()?.resolve(call);
    }, (err: unknown) => this.#o.log?.(`${this.login}: answering failed: ${(err as Error).message}`));
  }

  /** The next incoming call once answered (and, with WebRTC, connected), within `timeoutMs`. */
  nextIncoming(timeoutMs: number): Promise<HostCall> {
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (call: HostCall): void => {
          clearTimeout(timer);
          resolve(call);
        },
        reject: (err: Error): void => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.#dropWaiter(waiter);
        reject(new Error(`line ${this.line}: no incoming call answered within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#incoming.push(waiter);
    });
  }

  /** Rejects every pending {@link nextIncoming} (a failed attempt's waiter must not take the next call). */
  cancelIncoming(): void {
    for (const w of this.#incoming.splice(0)) w.reject(new Error(`line ${this.line}: wait for an incoming call cancelled`));
  }

  #dropWaiter(waiter: IncomingWaiter): void {
    const i = this.#incoming.indexOf(waiter);
    if (i >= 0) this.#incoming.splice(i, 1);
  }

  /** Calls `to`; resolves once connected (with WebRTC: ICE/DTLS up and the tone started). */
  async call(to: string, timeoutMs: number): Promise<HostCall> {
    const client = this.#client;
    if (!client || client.closed) throw new Error(`${this.login}: not connected`);
    const started = Date.now();
    const media = this.#o.webrtc ? this.#o.webrtc.pool.create({ ...PHONE, address: this.#o.webrtc.address }) : undefined;
    try {
      const offer = media ? await media.offer() : softphoneSdp({ address: '127.0.0.1', port: 9, ice: ice(), fingerprint: fingerprint(), ssrc: randomBytes(4).readUInt32BE(0) || 1, g711First: true });
      const r = await client.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: `tel:${this.line}`, u8sUriTo: `tel:${to}`, u8sContentType: 'application/sdp', u8sBody: offer }, { timeoutMs });
      const call: HostCall = { avCallId: r.callAndConnectionID.u8sCallID, ctiCallId: r.u8sCTIConnectionID, direction: 'outbound', gateway: this.gateway, media };
      this.current = call;
      const connect = await client.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === call.avCallId, Math.max(1, timeoutMs - (Date.now() - started)));
      // Forget what the call left behind, so a long run keeps no history.
      client.received.length = 0;
      if (media) {
        await media.applyAnswer(connect.u8sBody ?? '');
        await media.connected(20_000);
        await media.startTone(this.#o.webrtc!.toneHz);
      }
      return call;
    } catch (err) {
      await media?.close().catch(() => undefined);
      if (this.current?.media === media) this.current = undefined;
      throw err;
    }
  }

  /** Hangs the current call up (if any) and forgets it. */
  async hangUp(): Promise<void> {
    const call = this.current;
    this.current = undefined;
    if (!call) return;
    if (!call.endedCause && this.connected) {
      this.#client!.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: call.avCallId }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    }
    await call.media?.close().catch(() => undefined);
  }

  /** Forgets a call that ended by itself (after the test read its outcome), closing its peer connection. */
  forget(): void {
    if (!this.current?.endedCause) return;
    this.current.media?.close().catch(() => undefined);
    this.current = undefined;
  }

  /**
   * The dominant frequency among `candidates` in the next `packets` PCMU packets this phone's current
   * WebRTC call receives (bounded by `timeoutMs`). Goertzel over that window only: listening is cheap.
   */
  async hears(candidates: readonly number[], packets = 25, timeoutMs = 10_000): Promise<number> {
    const media = this.current?.media;
    if (!media) throw new Error(`${this.login}: no WebRTC call`);
    return media.hears(candidates, packets, timeoutMs).catch((err: unknown) => {
      throw new Error(`${this.login}: ${(err as Error).message}`);
    });
  }

  /** RTP packets the current call's peer connection received in the next `ms` (it keeps sending its tone). */
  async receivedIn(ms: number): Promise<number> {
    const media = this.current?.media;
    if (!media) throw new Error(`${this.login}: no WebRTC call`);
    const from = await media.receivedCount();
    await new Promise((r) => setTimeout(r, ms));
    return (await media.receivedCount()) - from;
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.cancelIncoming();
    await this.current?.media?.close().catch(() => undefined);
    this.#client?.close();
  }
}
