import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { BusClient } from '../bus/BusClient.ts';

/** `ucserver_<service>_`, the prefix of every metric a service exports. */
export function metricPrefix(service: string): string {
  return `ucserver_${service.replace(/[^a-zA-Z0-9]/g, '_')}_`;
}

/**
 * A registry per app instance (never prom-client's global one), with the process metrics under the
 * service's prefix, so two apps can live in one test process.
 */
export function createMetricsRegistry(service: string, labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, ...labels });
  const prefix = metricPrefix(service);
  collectDefaultMetrics({ register: registry, prefix });
  // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool rejects
  // them). Their information is in nodejs_active_resources, which prom-client exports too.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(`${prefix}${name}`);
  }
  return registry;
}

/** Bus health as metrics: connection state and dropped/failed messages. */
export function instrumentBus(bus: BusClient, registry: Registry, service: string): void {
  const prefix = metricPrefix(service);
  const connected = new Gauge({ name: `${prefix}bus_connected`, help: '1 while the NATS connection is up', registers: [registry] });
  const invalid = new Counter({ name: `${prefix}bus_invalid_payloads_total`, help: 'Bus messages dropped because they failed validation', registers: [registry] });
  const failed = new Counter({ name: `${prefix}bus_handler_errors_total`, help: 'Bus handlers that threw', registers: [registry] });
  connected.set(bus.connected ? 1 : 0);
  bus.on('state', (s) => connected.set(s === 'connected' ? 1 : 0));
  bus.on('invalidpayload', () => invalid.inc());
  bus.on('handlererror', () => failed.inc());
}
