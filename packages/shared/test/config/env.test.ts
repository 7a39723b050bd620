import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, CtiGatewayConfig, loadConfig, MediaConfig, PbxAdapterConfig, describeConfig, variablesOf } from '@ucserver/shared';

/** The one variable without a default (cti-gateway, pbx-adapter); media does not read it. */
const key = Buffer.alloc(32, 7).toString('base64');

describe('config - loadConfig', () => {
  it('loadConfig() with only the required variable applies every default', () => {
    const c = loadConfig('cti-gateway', CtiGatewayConfig, { LINE_CREDENTIALS_KEY: key });
    assert.equal(c.CTI_TCP_PORT, 7222);
    assert.equal(c.HTTP_PORT, 7224);
    assert.equal(c.NATS_URL, 'nats://127.0.0.1:4222');
    assert.deepEqual(c.ICE_SERVERS, []);
    assert.equal(c.DATABASE_URL, undefined);
  });

  it('loadConfig() treats empty strings as unset', () => {
    const c = loadConfig('media', MediaConfig, { HTTP_PORT: '', MEDIA_WORKERS: '' });
    assert.equal(c.HTTP_PORT, 8081);
    assert.equal(c.MEDIA_WORKERS, 0);
  });

  it('loadConfig() ignores variables the schema does not name', () => {
    const c = loadConfig('pbx-adapter', PbxAdapterConfig, { SOMETHING_ELSE: 'x', SIP_PORT: '5070', LINE_CREDENTIALS_KEY: key });
    assert.equal(c.SIP_PORT, 5070);
  });

  const bad: Array<{ name: string; schema: typeof CtiGatewayConfig | typeof MediaConfig | typeof PbxAdapterConfig; env: Record<string, string>; variable: string }> = [
    { name: 'port out of range', schema: CtiGatewayConfig, env: { CTI_TCP_PORT: '70000' }, variable: 'CTI_TCP_PORT' },
    { name: 'port not a number', schema: MediaConfig, env: { HTTP_PORT: 'eighty' }, variable: 'HTTP_PORT' },
    { name: 'NATS URL with wrong scheme', schema: PbxAdapterConfig, env: { NATS_URL: 'http://x:4222' }, variable: 'NATS_URL' },
    { name: 'NATS URL not a URL', schema: PbxAdapterConfig, env: { NATS_URL: 'not a url' }, variable: 'NATS_URL' },
    { name: 'ICE_SERVERS not JSON', schema: CtiGatewayConfig, env: { ICE_SERVERS: '[{' }, variable: 'ICE_SERVERS' },
    { name: 'ICE_SERVERS wrong shape', schema: CtiGatewayConfig, env: { ICE_SERVERS: '[{"url":"stun:x"}]' }, variable: 'ICE_SERVERS' },
    { name: 'log level unknown', schema: MediaConfig, env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
    { name: 'transport list with unknown transport', schema: PbxAdapterConfig, env: { SIP_TRANSPORTS: 'udp,sctp' }, variable: 'SIP_TRANSPORTS' },
    { name: 'bus prefix with dots', schema: MediaConfig, env: { BUS_PREFIX: 'a.b' }, variable: 'BUS_PREFIX' },
    { name: 'boolean-ish value', schema: MediaConfig, env: { MEDIA_WORKER_LOG_LEVEL: 'verbose' }, variable: 'MEDIA_WORKER_LOG_LEVEL' },
    { name: 'frame limit above the 7-digit maximum', schema: CtiGatewayConfig, env: { CTI_MAX_FRAME_BYTES: '10000000' }, variable: 'CTI_MAX_FRAME_BYTES' },
  ];
  for (const row of bad) {
    it(`loadConfig() with ${row.name} throws ConfigError naming ${row.variable}`, () => {
      assert.throws(() => loadConfig('svc', row.schema as typeof CtiGatewayConfig, { LINE_CREDENTIALS_KEY: key, ...row.env }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'UCS_ERR_CONFIG_INVALID');
        assert.deepEqual(err.issues.map((i) => i.variable), [row.variable]);
        assert.match(err.message, new RegExp(`invalid configuration for svc: ${row.variable}: `));
        return true;
      });
    });
  }

  it('loadConfig() reports every bad variable at once', () => {
    assert.throws(() => loadConfig('svc', MediaConfig, { HTTP_PORT: '-1', MEDIA_RTC_MIN_PORT: 'x' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['HTTP_PORT', 'MEDIA_RTC_MIN_PORT']);
      return true;
    });
  });

  it('loadConfig() parses ICE_SERVERS into RTCIceServer objects', () => {
    const c = loadConfig('cti-gateway', CtiGatewayConfig, { LINE_CREDENTIALS_KEY: key, ICE_SERVERS: '[{"urls":["stun:127.0.0.1:3478"]}]' });
    assert.deepEqual(c.ICE_SERVERS, [{ urls: ['stun:127.0.0.1:3478'] }]);
  });

  it('describeConfig() documents every variable with a description', () => {
    for (const schema of [CtiGatewayConfig, MediaConfig, PbxAdapterConfig]) {
      const docs = describeConfig(schema);
      assert.deepEqual(docs.map((d) => d.variable), variablesOf(schema));
      for (const d of docs) assert.ok(d.description.length > 5, `${d.variable} has no description`);
    }
    const port = describeConfig(CtiGatewayConfig).find((d) => d.variable === 'CTI_TCP_PORT');
    assert.equal(port?.default, '7222');
  });
});
