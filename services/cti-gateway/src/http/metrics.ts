import { Counter, Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '@ucserver/shared';
import type { Authenticator } from '../auth/Authenticator.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { Database } from '@ucserver/shared/db';

/** The gateway's own metrics: gauges of clients and calls read when /metrics is scraped, login counters. */
export function instrumentGateway(registry: Registry, source: { sessions: SessionRegistry; calls: CallRegistry; auth: Authenticator; database: Pick<Database, 'queries'> }): void {
  const p = metricPrefix('cti-gateway');
  const checks = new Counter({ name: `${p}password_checks_total`, help: 'Password hashes computed to check a login (the work a guesser can make the server do)', registers: [registry] });
  const logins = new Counter({ name: `${p}logins_total`, help: 'Login attempts by method (password, token, admin-token) and result (success, failure, throttled, disabled)', labelNames: ['method', 'result'], registers: [registry] });
  source.auth.on('passwordcheck', () => checks.inc());
  source.auth.on('login', (o) => logins.inc({ method: o.method, result: o.result }));
  new Gauge({ name: `${p}client_sessions`, help: 'Connected ENetUC client sessions (TCP and WebSocket)', registers: [registry], collect() {
    this.set(source.sessions.size);
  } });
  new Gauge({ name: `${p}client_sessions_authenticated`, help: 'Logged-in ENetUC client sessions', registers: [registry], collect() {
    this.set(source.sessions.authenticatedCount);
  } });
  let queriesSeen = 0;
  new Counter({ name: `${p}db_queries_total`, help: 'SQL statements the gateway sent to its database (PGlite or PostgreSQL), migrations excluded', registers: [registry], collect() {
    this.inc(source.database.queries - queriesSeen);
    queriesSeen = source.database.queries;
  } });
  new Gauge({ name: `${p}active_calls`, help: 'Calls the gateway currently tracks', registers: [registry], collect() {
    this.set(source.calls.list().filter((c) => c.state !== 'disconnected').length);
  } });
}
