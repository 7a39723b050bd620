import { Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';

/** The gateway's own gauges (clients and calls), read when /metrics is scraped. */
export function instrumentGateway(registry: Registry, source: { sessions: SessionRegistry; calls: CallRegistry }): void {
  const p = metricPrefix('cti-gateway');
  new Gauge({ name: `${p}client_sessions`, help: 'Connected ENetUC client sessions (TCP and WebSocket)', registers: [registry], collect() {
    this.set(source.sessions.size);
  } });
  new Gauge({ name: `${p}client_sessions_authenticated`, help: 'Logged-in ENetUC client sessions', registers: [registry], collect() {
    this.set(source.sessions.authenticatedCount);
  } });
  new Gauge({ name: `${p}active_calls`, help: 'Calls the gateway currently tracks', registers: [registry], collect() {
    this.set(source.calls.list().filter((c) => c.state !== 'disconnected').length);
  } });
}
