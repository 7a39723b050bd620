// Contract of the CtiService: what it needs, and what it asks of the softphone side.
import type { Logger } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import type { PbxClient } from '../bus/PbxClient.ts';
import type { ActiveCall, CallRegistry } from '../calls/CallRegistry.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineStore, LineView } from '../lines/LineStore.ts';
import type { RegistrationStates } from '../lines/RegistrationStates.ts';
import type { PickupGroupStore } from '../pickup/PickupGroupStore.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { CallCompletionOptions } from './CallCompletionTypes.ts';
import type { ConferenceMedia } from './CtiConference.ts';

/** What CTI needs from the softphone side to control a user's device (third-party call control). */
export interface DeviceControl {
  /** Asks the line owner's softphone to dial `target`; resolves to the CTI connection id of that call. */
  remoteMakeCall(line: LineView, target: string): Promise<string>;
  /** Asks the softphone that rings with this call to answer it. */
  remoteAnswer(call: ActiveCall): void;
}

/** What CTI needs from the softphone side to hand a picked-up call to the picker's softphone. */
export interface PickupControl {
  /** Moves the ringing `call` to `line` (the picker's) and rings `picker`'s softphone, which answers it. */
  pickup(call: ActiveCall, line: LineView, picker: UserRow): Promise<void>;
}

export interface CtiPickupDeps {
  calls: Pick<CallRegistry, 'get' | 'onLine'>;
  lines: Pick<LineStore, 'list' | 'getById'>;
  groups: Pick<PickupGroupStore, 'members'>;
  softphones: PickupControl;
  logger: Logger;
}

export interface CtiServiceDeps {
  pbx: PbxClient;
  lines: LineStore;
  registrations: RegistrationStates;
  calls: CallRegistry;
  sessions: SessionRegistry;
  devices: DeviceControl;
  /** DND and forwards of the lines (persisted; the incoming-call verdict honours them). */
  routing: Pick<LineRouting, 'get' | 'on' | 'off' | 'setDnd' | 'setForward' | 'removeForward'>;
  /** The media node's conference command (absent: asnCtiConference is refused). */
  media?: ConferenceMedia;
  /** The pickup groups (asnCtiPickupCall's authorisation). */
  pickupGroups: Pick<PickupGroupStore, 'members'>;
  /** The softphone side of a pickup. */
  pickup: PickupControl;
  /** Limits of asnCtiCompleteCall's callbacks (defaults in CallCompletionOptions). */
  completion?: CallCompletionOptions;
  logger: Logger;
}
