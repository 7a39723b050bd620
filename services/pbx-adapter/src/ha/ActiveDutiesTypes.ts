// Contract of ActiveDuties.
import type { BusClient, Logger } from '@ucserver/shared';
import type { LineSync } from '../bus/LineSync.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { SipTrace } from '../capture/SipTrace.ts';
import type { Registrations } from '../registration/Registrations.ts';

export interface ActiveDutiesOptions {
  bus: BusClient;
  registrations: Registrations;
  calls: CallRegistry;
  trace: SipTrace;
  logger: Logger;
  /** This service's version and start, in the registrations reply (the admin's System page). */
  service: { version: string; startedAt: number };
  /** A new line sync (one per activation: a stopped one does not restart). */
  lineSync: () => LineSync;
  /** Starts the recovery of the calls an earlier holder left (one per activation). */
  recovery: () => void;
}
