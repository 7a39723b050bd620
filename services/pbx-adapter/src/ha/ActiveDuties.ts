// What only the active pbx-adapter does, switched by its lease role (ActiveLease): on 'active' the
// registration and call commands are served (queue group: the holder answers each command once), the
// lines are fetched from the gateway and registered, and the calls an earlier holder left are ended
// (CallRecovery); on 'fenced' all of that stops at once: commands unsubscribed, line sync stopped,
// registrations halted (no REGISTER any more, not even an un-REGISTER); the calls carried stay up while
// no other instance is seen holding the lease (a lone adapter through a NATS outage), and end with
// 'service-restart' as soon as one is (its recovery BYEs them too). A standby from the start does nothing.
import type { Unsubscribe } from '@ucserver/shared';
import { servePbxCommands } from '../bus/pbxCommands.ts';
import { wireRegistrations } from '../bus/registrationBus.ts';
import type { LineSync } from '../bus/LineSync.ts';
import type { ActiveDutiesOptions } from './ActiveDutiesTypes.ts';
import type { LeaseRole } from './ActiveLeaseTypes.ts';

export class ActiveDuties {
  readonly #options: ActiveDutiesOptions;
  #subscriptions: Unsubscribe[] = [];
  #sync: LineSync | undefined;
  #stopped = false;
  #frozen = false;

  constructor(options: ActiveDutiesOptions) {
    this.#options = options;
  }

  get active(): boolean {
    return this.#subscriptions.length > 0;
  }

  /** Follows a lease role change. */
  role(role: LeaseRole): void {
    if (this.#stopped || this.#frozen) return;
    if (role === 'active') this.#activate();
    else if (role === 'fenced') this.#fence();
    else if (role === 'standby') this.#yield();
  }

  /** Ignores role changes from now on, serving on as now (the adapter is stopping: its own order applies). */
  freeze(): void {
    this.#frozen = true;
  }

  /** Stops serving (stop() of the adapter); idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#drop();
  }

  #activate(): void {
    const o = this.#options;
    if (this.active) return;
    o.registrations.resume();
    this.#subscriptions = [...wireRegistrations(o.bus, o.registrations, o.logger, o.service), ...servePbxCommands(o.bus, o.calls, o.trace, o.logger)];
    this.#sync = o.lineSync();
    this.#sync.start();
    o.recovery();
  }

  #fence(): void {
    this.#drop();
    this.#options.registrations.halt();
  }

  /** Another instance holds the lease: the calls we kept through the fence are its recovery's now. */
  #yield(): void {
    this.#fence();
    const n = this.#options.calls.abandonAll('service-restart');
    if (n > 0) this.#options.logger.warn({ calls: n }, 'another instance is active: calls carried here ended');
  }

  #drop(): void {
    for (const s of this.#subscriptions.splice(0)) s.unsubscribe();
    this.#sync?.stop();
    this.#sync = undefined;
  }
}
