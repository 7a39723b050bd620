// The cti-gateway as the adapter sees it, played on the bus by the test: serves lines.list and
// cti.call.incoming (policy set per test), publishes line changes, sends PbxCommands and media commands
// like the gateway would, and records the call events, registration states and media events it gets.
import {
  BusClient,
  CallEvent,
  CtiCommands,
  LineCommands,
  LineRegistrationState,
  MediaCallEvent,
  MediaCommands,
  PbxCommands,
  parseSealingKey,
  sealLineConfig,
  type Command,
  type GatewayInstance,
  type SealingKey,
  type LineConfig,
  type Unsubscribe,
  CallTopics,
  GatewayTopics,
  LineTopics,
} from '@ucserver/shared';
import { check, testLineCredentialsKey, testLogger } from '@ucserver/testkit';
import type { z } from 'zod';

type IncomingRequest = z.output<typeof CtiCommands.incomingCall.request>;

type IncomingReply = z.input<typeof CtiCommands.incomingCall.reply>;

export class Gateway {
  readonly bus: BusClient;
  /** The gateway run this stand-in plays: it owns the calls it places and accepts. */
  readonly instance: GatewayInstance = { instanceId: 'test-gateway', startedAt: Date.now() };
  lines: LineConfig[];
  readonly events: CallEvent[] = [];
  readonly registrations: LineRegistrationState[] = [];
  readonly mediaEvents: MediaCallEvent[] = [];
  readonly incoming: IncomingRequest[] = [];
  listRequests = 0;
  /** Answers cti.call.incoming; default: accept. */
  onIncoming: (request: IncomingRequest) => IncomingReply | Promise<IncomingReply> = () => this.accept();

  /** The acceptance of an incoming call by this gateway run. */
  accept(): IncomingReply {
    return { accept: true, gateway: this.instance };
  }

  /**
   * Incoming calls go to `phone` as the real gateway does it: the media node's offer to the softphone,
   * its answer back, then (once accepted) alert and answer toward the PBX. `seen` gets each request.
   */
  answerWith(phone: { answer(offer: string): Promise<string> }, seen: (request: IncomingRequest) => void = () => undefined): void {
    this.onIncoming = async (req) => {
      seen(req);
      const { sdp } = await this.media(req.mediaNodeId, 'softphoneCreateOffer', { callId: req.callId });
      await this.media(req.mediaNodeId, 'softphoneApplyAnswer', { callId: req.callId, sdp: await phone.answer(sdp) });
      this.#afterReply(req.callId, (callId) => this.alertAndAnswer(callId));
      return this.accept();
    };
  }

  /**
   * Accepts every incoming call, then runs `command` on it right after the reply, as a quick client
   * would. A command that fails is ignored: the tests assert what the PBX saw.
   */
  acceptThen(command: (callId: string) => Promise<unknown>): void {
    this.onIncoming = (req) => {
      this.#afterReply(req.callId, command);
      return this.accept();
    };
  }

  /** The client rings, then answers. */
  alertAndAnswer(callId: string): Promise<unknown> {
    return this.pbx('alert', { callId }).then(() => this.pbx('answer', { callId }));
  }

  #afterReply(callId: string, command: (callId: string) => Promise<unknown>): void {
    setImmediate(() => void command(callId).catch(() => undefined));
  }
  /** When false, lines.list is not answered (a gateway that is not up yet). */
  answerList = true;
  /**
   * Seals the passwords as the gateway does; by default with the key the adapter under test gets
   * (testLineCredentialsKey), a test may set another.
   */
  credentialsKey: SealingKey = parseSealingKey(testLineCredentialsKey);
  readonly #subs: Unsubscribe[] = [];
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(bus: BusClient, lines: LineConfig[]) {
    this.bus = bus;
    this.lines = lines;
  }

  static async start(options: { natsUrl: string; prefix: string; lines?: LineConfig[] }): Promise<Gateway> {
    const bus = await BusClient.connect({ servers: options.natsUrl, prefix: options.prefix, name: 'test-gateway', logger: testLogger('gateway'), requestTimeoutMs: 10_000 });
    const gw = new Gateway(bus, options.lines ?? []);
    gw.#subs.push(
      bus.lines.serve(LineCommands.list, ({ offset, limit }) => {
        gw.listRequests += 1;
        if (!gw.answerList) throw new Error('gateway not ready');
        const page = gw.lines.slice(offset, offset + limit);
        return { lines: page.map((l) => sealLineConfig(gw.credentialsKey, l)), total: gw.lines.length, nextOffset: offset + page.length < gw.lines.length ? offset + page.length : null };
      }),
      bus.cti.serve(CtiCommands.incomingCall, async (request) => {
        gw.incoming.push(request);
        return gw.onIncoming(request);
      }),
      bus.subscribe(CallTopics.event, (e) => void gw.events.push(e)),
      bus.subscribe(LineTopics.registration, (r) => void gw.registrations.push(r)),
      bus.subscribe(CallTopics.media, (e) => void gw.mediaEvents.push(e)),
    );
    gw.startHeartbeat();
    await bus.flush();
    return gw;
  }

  /** Adds or changes a line and tells the adapter (LineChanged upsert). */
  upsert(line: LineConfig): void {
    this.lines = [...this.lines.filter((l) => l.lineId !== line.lineId), line];
    this.bus.publish(LineTopics.changed, { kind: 'upsert', line: sealLineConfig(this.credentialsKey, line) });
  }

  remove(lineId: string): void {
    this.lines = this.lines.filter((l) => l.lineId !== lineId);
    this.bus.publish(LineTopics.changed, { kind: 'remove', lineId });
  }

  /** A PbxCommand, as the gateway sends it (makeCall names this gateway run unless told otherwise). */
  pbx<K extends keyof typeof PbxCommands>(name: K, payload: Omit<z.input<(typeof PbxCommands)[K]['request']>, 'gateway'> & { gateway?: GatewayInstance }): Promise<unknown> {
    const cmd: Command<'pbx'> = PbxCommands[name];
    return this.bus.pbx.request(cmd, (name === 'makeCall' ? { gateway: this.instance, ...payload } : payload) as never);
  }

  /** A media command to a node, as the gateway sends it for the softphone legs. */
  media<K extends keyof typeof MediaCommands>(nodeId: string, name: K, payload: z.input<(typeof MediaCommands)[K]['request']>): Promise<z.output<(typeof MediaCommands)[K]['reply']>> {
    const cmd: Command<'media'> = MediaCommands[name];
    return this.bus.media(nodeId).request(cmd, payload as never) as never;
  }

  registrationsSnapshot(): Promise<LineRegistrationState[]> {
    return this.bus.lines.request(LineCommands.registrations, {}).then((r) => r.states);
  }

  callEvents(callId: string): CallEvent[] {
    return this.events.filter((e) => e.callId === callId);
  }

  /**
   * The events of a call as `state[:cause|hold]` strings, for readable order assertions; an event that
   * only changes the media path (same state again) is left out.
   */
  timeline(callId: string): string[] {
    const out: string[] = [];
    for (const e of this.callEvents(callId)) {
      const entry = e.cause ? `${e.state}:${e.cause}` : e.hold ? `${e.state}:${e.hold}` : e.state;
      if (out.at(-1) !== entry) out.push(entry);
    }
    return out;
  }

  /** Waits (bounded) for a call event matching `predicate`. */
  async waitEvent(predicate: (e: CallEvent) => boolean, name: string, ms = 10_000): Promise<CallEvent> {
    try {
      return await check(() => this.events.find(predicate), ms, { name: `call event: ${name}` });
    } catch (err) {
      const have = this.events.map((e) => `${e.lineNumber}/${e.state}${e.cause ? `:${e.cause}` : ''}`).join(', ') || 'none';
      throw new Error(`${(err as Error).message} (events: ${have})`, { cause: err });
    }
  }

  waitCallState(callId: string, state: CallEvent['state'], ms = 10_000, extra: (e: CallEvent) => boolean = () => true): Promise<CallEvent> {
    return this.waitEvent((e) => e.callId === callId && e.state === state && extra(e), `${state} of call ${callId}`, ms);
  }

  /** Waits (bounded) until the latest published state of a line is `status`. */
  async waitRegistration(lineId: string, status: LineRegistrationState['status'], ms = 10_000, after = 0): Promise<LineRegistrationState> {
    try {
      return await check(() => {
        const last = this.registrations.slice(after).filter((r) => r.lineId === lineId).at(-1);
        return last?.status === status ? last : undefined;
      }, ms, { name: `registration ${status} of line ${lineId}` });
    } catch (err) {
      const seen = this.registrations.filter((r) => r.lineId === lineId).map((r) => `${r.status}${r.reason ? `(${r.reason})` : ''}`).join(', ') || 'none';
      throw new Error(`${(err as Error).message} (seen: ${seen})`, { cause: err });
    }
  }

  /**
   * Publishes this run's heartbeat every second, as the real gateway does (GatewayHeartbeat): without it
   * the adapter's GatewayLiveness counts the run as silent from its first call on and ends its later calls
   * with cause gateway-lost, racing whatever the test waits for (e.g. Timer B's timeout).
   */
  startHeartbeat(intervalMs = 1000): void {
    if (this.#heartbeat) return;
    const beat = (): void => this.bus.publish(GatewayTopics.heartbeat, { ...this.instance, at: Date.now(), intervalMs });
    beat();
    this.#heartbeat = setInterval(beat, intervalMs);
    this.#heartbeat.unref();
  }

  /** Stops the heartbeat: the run falls silent, as a killed gateway does. */
  stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const s of this.#subs) s.unsubscribe();
    await this.bus.close();
  }
}

/** A line as the gateway's lines.list returns it. */
export const testLine = (init: Partial<LineConfig> & { number: string; registrar: string }): LineConfig => ({
  lineId: init.lineId ?? `line-${init.number}`,
  number: init.number,
  displayName: init.displayName ?? `Line ${init.number}`,
  sipUri: init.sipUri ?? `sip:${init.number}@${init.registrar.split(':')[0]}`,
  registrar: init.registrar,
  transport: init.transport ?? 'udp',
  authUser: init.authUser ?? init.number,
  authPassword: init.authPassword ?? `pw${init.number}`,
  ownerUserId: init.ownerUserId ?? null,
  enabled: init.enabled ?? true,
});
