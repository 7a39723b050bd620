// Contract of the CallRegistry: the adapter's calls, by bus callId.
import type { Logger, MediaPickOptions, PbxCommands } from '@ucserver/shared';
import type { z } from 'zod';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { MediaClient } from '../media/MediaClient.ts';
import type { Registrations } from '../registration/Registrations.ts';
import type { Clock } from '../sip/mod.ts';
import type { CallEventPublisher } from './CallEventPublisher.ts';
import type { CallSnapshots } from './CallSnapshots.ts';
import type { IncomingCallContext } from './IncomingCallTypes.ts';
import type { CallSettings } from './SipCallTypes.ts';

export interface CallRegistryOptions {
  endpoint: SipEndpoint;
  registrations: Registrations;
  media: MediaClient;
  publisher: CallEventPublisher;
  /** Media placement (MediaPlacement.pickSoon: right after a start it waits for the first node). */
  placement: { pick(options?: MediaPickOptions): Promise<string> };
  /** CtiCommands.incomingCall on the bus. */
  askGateway: IncomingCallContext['askGateway'];
  /** CtiCommands.renegotiate on the bus (none: softphones are not re-offered, e.g. in unit tests). */
  renegotiateSoftphone?: ((callId: string) => Promise<{ video: boolean }>) | undefined;
  settings: CallSettings;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  clock?: Clock | undefined;
  /** Calls carried at most; beyond it makeCall fails and INVITEs get 503. Default 5000. */
  maxCalls?: number | undefined;
  /**
   * Whether this adapter serves calls now (it holds the active lease); default always. A standby or fenced
   * adapter answers an INVITE that reaches it 503 with Retry-After `notServingRetryAfterS`: not "no such
   * user" (404) but "not serving now", so a PBX that forks or fails over tries another contact.
   */
  serving?: (() => boolean) | undefined;
  /** Retry-After of that 503 (s); default 10. */
  notServingRetryAfterS?: number | undefined;
  /** The crash-recovery snapshots of the calls (none: nothing survives a crash). */
  snapshots?: CallSnapshots | undefined;
}

/** PbxCommands.makeCall. */
export type MakeCallRequest = z.output<typeof PbxCommands.makeCall.request>;
