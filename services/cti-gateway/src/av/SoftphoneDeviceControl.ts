import { randomUUID } from 'node:crypto';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { DeviceControl } from '../cti/CtiServiceTypes.ts';
import type { LineView } from '../lines/LineStore.ts';
import { AsnAVMediaType, AsnAVMessageType } from '../protocol/mod.ts';
import { CtiError, CtiRequestError } from '../session/CtiRequestError.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import { clientEndpointOf } from './SoftphoneCall.ts';
import type { RemoteCallRequests, SoftphonePartDeps } from './SoftphoneServiceTypes.ts';

/** How long a softphone has to dial what CTI asked for before the request is forgotten. */
const REMOTE_REQUEST_TTL_MS = 30_000;

/**
 * Third-party control of a softphone for CTI (DeviceControl): remote make-call asks the line owner's
 * softphone to dial (asnAVNewCallV2 with bIsRemoteControlCallOut), and its asnAVMakeCallV2 then claims
 * the CTI call id; remote answer tells the ringing softphone to accept (REMOTE_ACCEPT).
 */
export class SoftphoneDeviceControl implements DeviceControl, RemoteCallRequests {
  readonly #sessions: SessionRegistry;
  readonly #deps: SoftphonePartDeps;
  /** CTI make-call requests handed to a softphone, waiting for its asnAVMakeCallV2: callId → request. */
  readonly #requests = new Map<string, { lineId: string; target: string; expires: number }>();

  constructor(sessions: SessionRegistry, deps: SoftphonePartDeps) {
    this.#sessions = sessions;
    this.#deps = deps;
  }

  async remoteMakeCall(line: LineView, target: string): Promise<string> {
    const session = this.#sessions.softphoneOf(line.ownerUserId);
    if (!session) {
      throw new CtiRequestError(
        CtiError.generalerror,
        `no softphone is connected for line ${line.number}: the line's user has no session that handles audio (asnNegotiateServerConnectionV2 eSOFTPHONE, or asnSetClientCapabilitiesV2 with bAudio); a CTI-only session cannot place the call itself`,
      );
    }
    const callId = randomUUID();
    const now = Date.now();
    for (const [id, r] of this.#requests) if (r.expires < now) this.#requests.delete(id);
    this.#requests.set(callId, { lineId: line.id, target, expires: now + REMOTE_REQUEST_TTL_MS });
    session.sendEvent('asnAVNewCallV2', {
      callAndConnectionID: { u8sCallID: `rc-${callId}`, u8sEndpointID: clientEndpointOf(session) },
      u8sCTIConnectionID: callId,
      callType: AsnAVMediaType.eMEDIATYPESIP,
      u8sUriFrom: `tel:${line.number}`,
      endpointIDFrom: 'ep-server',
      u8sUriTo: `tel:${target}`,
      u8sContentType: '',
      u8sBody: '',
      bIsRemoteControlCallOut: true,
    });
    return callId;
  }

  remoteAnswer(active: ActiveCall): void {
    const call = this.#deps.softphoneCalls.get(active.callId);
    if (!call || call.direction !== 'inbound') throw new CtiRequestError(CtiError.generalerror, `no softphone rings with call '${active.callId}'`);
    call.sendMessage(AsnAVMessageType.REMOTE_ACCEPT);
  }

  claim(lineId: string, target: string): string | undefined {
    for (const [id, r] of this.#requests) {
      if (r.lineId === lineId && r.target === target) {
        this.#requests.delete(id);
        return id;
      }
    }
    return undefined;
  }
}
