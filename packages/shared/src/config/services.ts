import { z } from 'zod';
import { isSealingKeyText } from '../bus/sealedSecret.ts';
import { env } from './env.ts';
import { isPeerList } from './peers.ts';

/**
 * The example values the docs and the old compose file showed for secrets: a service refuses them, as
 * anyone who read the docs knows them.
 */
export const exampleSecrets: readonly string[] = ['change-me', 'change-me-too', 'changeme', 'secret'];

export function isExampleSecret(value: string): boolean {
  return exampleSecrets.includes(value.trim().toLowerCase());
}

/** A secret token that must not be one of {@link exampleSecrets}. */
function token(variable: string, description: string) {
  return env.secret(z.string().min(1).max(4096)
    .refine((v) => !isExampleSecret(v), `${variable} is a documented example value; generate one (e.g. openssl rand -base64 32)`)
    .optional().describe(`${description}; documented example values are refused`));
}

/** The key sealing each line's SIP password on the bus: the cti-gateway and the pbx-adapter hold it, nobody else. */
function lineCredentialsKey() {
  return env.secret(z.string({ error: 'required: the key (32 random bytes, base64) the cti-gateway and the pbx-adapter share; npm start and the compose init generate one, or: openssl rand -base64 32' })
    .refine(isSealingKeyText, 'expected 32 random bytes in base64 (e.g. openssl rand -base64 32)')
    .describe('Required: key (32 bytes, base64) sealing SIP passwords on the bus between cti-gateway and pbx-adapter; the same in both (npm start and the compose init generate it)'));
}

/** The NATS credentials are a user and password, or an nkey seed; TLS client certificates come in pairs. */
function busCredentialRules(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const issue = (variable: string, message: string): void => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (config.NATS_USER !== undefined && config.NATS_PASSWORD === undefined) issue('NATS_PASSWORD', 'NATS_USER needs NATS_PASSWORD (or NATS_PASSWORD_FILE)');
  if (config.NATS_PASSWORD !== undefined && config.NATS_USER === undefined) issue('NATS_USER', 'NATS_PASSWORD needs NATS_USER');
  if (config.NATS_USER !== undefined && config.NATS_NKEY_SEED !== undefined) issue('NATS_NKEY_SEED', 'set NATS_USER/NATS_PASSWORD or NATS_NKEY_SEED, not both');
  if ((config.NATS_TLS_CERT_FILE === undefined) !== (config.NATS_TLS_KEY_FILE === undefined)) {
    issue(config.NATS_TLS_CERT_FILE === undefined ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE', 'NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together');
  }
}

/** Variables every service reads. */
const common = {
  NATS_URL: env.url('nats://127.0.0.1:4222', 'NATS server URL(s), comma-separated; tls:// requires TLS', /^(nats|tls|ws|wss):$/),
  NATS_USER: env.optionalString('NATS user name, with NATS_PASSWORD (or use NATS_NKEY_SEED); neither: no NATS authentication'),
  NATS_PASSWORD: env.secret(z.string().min(1).max(1024).optional().describe('Password of NATS_USER')),
  NATS_NKEY_SEED: env.secret(z.string().regex(/^SU[A-Z2-7]{56}$/, 'expected an nkey user seed (SU…, 58 characters)').optional()
    .describe("This service's NATS nkey user seed (npm start and the compose init generate one per service)")),
  NATS_TLS_CA_FILE: env.optionalString("PEM CA certificates trusted for the NATS server's certificate (a private CA); setting any NATS_TLS_* makes TLS mandatory"),
  NATS_TLS_CERT_FILE: env.optionalString('PEM client certificate, for a NATS server that verifies clients (mutual TLS)'),
  NATS_TLS_KEY_FILE: env.optionalString('PEM private key of NATS_TLS_CERT_FILE'),
  BUS_PREFIX: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a lower-case token').default('ucs')
    .describe('Prefix of every NATS subject and JetStream stream (lets several systems share one NATS)'),
  BUS_STREAM_REPLICAS: env.int(1, 'Replicas of the JetStream streams (call events, KV buckets): 3 on a 3-server NATS cluster, so losing one server loses nothing; at most the cluster size', 1, 5),
  BUS_REQUEST_TIMEOUT_MS: env.int(5000, 'Timeout of bus requests between services (ms)', 100, 60_000),
  BUS_OUTAGE_GRACE_MS: env.int(30_000, "A NATS outage (this service's own connection down) shorter than this ends no call; a longer one ends this service's calls with cause bus-outage (ms). Meanwhile nobody is judged gone by missing heartbeats, and after the reconnect every party gets 7 s to reconnect plus its heartbeat intervals", 1000, 3_600_000),
  LOG_LEVEL: env.logLevel(),
  HTTP_HOST: env.host('127.0.0.1', 'Address the HTTP server (health, metrics, admin) binds to'),
  SHUTDOWN_TIMEOUT_MS: env.int(8000, 'Upper bound for graceful shutdown before the process exits (ms)', 100, 60_000),
};

export const CtiGatewayConfig = z.object({
  ...common,
  HTTP_PORT: env.port(7224, 'HTTP port: WebSocket, admin API, /docs, web softphone, metrics, health'),
  HTTPS_PORT: env.port(7225, 'HTTPS/WSS port, served only when TLS_CERT_FILE and TLS_KEY_FILE are set'),
  CTI_TCP_HOST: env.host('127.0.0.1', 'Address of the ENetUC TCP listener'),
  CTI_TCP_PORT: env.port(7222, 'ENetUC TCP port (J-framed JSON ROSE; asnStartTLS when TLS is configured)'),
  TLS_CERT_FILE: env.optionalString('PEM certificate for HTTPS/WSS and asnStartTLS'),
  TLS_KEY_FILE: env.optionalString('PEM private key for TLS_CERT_FILE'),
  DATABASE_URL: env.optionalString('PostgreSQL URL (postgres://…); when unset the embedded PGlite is used'),
  PGLITE_DIR: env.string('.data/pglite', "PGlite data directory when DATABASE_URL is unset ('memory://' keeps it in memory)"),
  ADMIN_TOKEN: token('ADMIN_TOKEN', 'Bearer token for the admin API (admin users may also log in with Basic auth)'),
  AUTH_TOKEN_SECRET: token('AUTH_TOKEN_SECRET', 'HMAC secret for login tokens; when unset, one generated on first start and kept in the database (shared by every gateway on it, tokens survive restarts)'),
  LINE_CREDENTIALS_KEY: lineCredentialsKey(),
  AUTH_TOKEN_TTL_S: env.int(86_400, 'Lifetime of login tokens (s)', 60),
  LOGIN_MAX_FAILURES: env.int(5, 'Failed logins of one user from one address before that pair is locked out', 1, 1000),
  LOGIN_LOCKOUT_MS: env.int(300_000, 'Lockout after LOGIN_MAX_FAILURES; failures older than this are forgotten (ms)', 1000),
  LOGIN_BASE_DELAY_MS: env.int(250, 'Back-off after a failed login of a user from an address, doubling per failure; spacing of a slowed address (ms)', 0, 10_000),
  LOGIN_USER_SLOW_AFTER: env.int(20, 'Failures of one user over all addresses after which addresses that failed for them back off too (fresh addresses never)', 1, 100_000),
  LOGIN_ADDRESS_SLOW_AFTER: env.int(20, 'Distinct users failed from one address (NAT) after which its password checks wait LOGIN_BASE_DELAY_MS apart', 1, 100_000),
  LOGIN_MAX_WAIT_MS: env.int(10_000, 'Longest wait of a slowed address\'s password check before it is refused (ms)', 0, 60_000),
  CTI_MAX_FRAME_BYTES: env.int(1_048_576, 'Largest ENetUC message accepted (bytes)', 1024, 9_999_999),
  CTI_IDLE_TIMEOUT_MS: env.int(90_000, 'Close client connections silent for this long (ms)', 1000),
  CTI_MAX_PENDING_INVOKES: env.int(64, 'Invokes a client may have in flight before it gets resourceLimitation', 1, 10_000),
  CTI_MAX_QUEUED_BYTES: env.int(4_194_304, 'Unsent bytes a client may accumulate before it is disconnected', 65_536),
  ICE_SERVERS: z.string().default('[]').transform((text, ctx) => {
    try {
      const value: unknown = JSON.parse(text);
      const parsed = z.array(z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })).parse(value);
      return parsed;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `expected a JSON array of {urls, username?, credential?}: ${(err as Error).message}` });
      return z.NEVER;
    }
  }).describe('ICE servers handed to softphones by asnAVGetIceServers (JSON array of RTCIceServer)'),
  PRESENCE_DOMAIN: env.string('ucserver.local', 'Domain reported in asnNegotiateServerConnectionV2 and used in SIP URIs'),
  PRESENCE_MAX_SUBSCRIPTIONS: env.int(1000, 'Contacts one client session may watch with asnGetAndSubscribePresenceV2', 1, 100_000),
  PRESENCE_COALESCE_MS: env.int(100, 'Presence changes of a user within this window reach subscribers as one asnUpdatePresenceV2 (ms)', 0, 10_000),
  NO_CLIENT_POLICY: z.enum(['reject', 'ring']).default('reject')
    .describe("Incoming call for a line whose user has no softphone connected: 'reject' (PBX gets 480) or 'ring' (CTI monitors only)"),
  FORWARD_MAX_HOPS: env.int(3, 'A call already forwarded this many times (Diversion entries of the INVITE) is not forwarded again: it is offered on the line as if no forward were set', 0, 20),
  CALL_COMPLETION_WAIT_S: env.int(1800, 'How long a callback requested with asnCtiCompleteCall (busy or unanswered line) waits for that line to be free (s)', 10, 86_400),
  FORWARD_NO_ANSWER_DEFAULT_S: env.int(20, 'Seconds a line rings before a no-answer forward without its own time (asnCtiSetForward NoAnswerTime 0) redirects the call', 1, 300),
  GATEWAY_INSTANCE_ID: env.optionalString('Id of this gateway in its heartbeat and on the calls it owns; keep it stable across restarts (default: the host name)'),
  ADMIN_PROMETHEUS_URL: env.optionalString('Prometheus URL the admin console links to on its System page (none when unset)'),
  ADMIN_GRAFANA_URL: env.optionalString('Grafana dashboard URL the admin console links to on its System page (none when unset)'),
  GATEWAY_HEARTBEAT_INTERVAL_MS: env.int(1000, 'Interval of the gateway heartbeat on the bus (ms); the pbx-adapter ends the calls of a gateway silent for 3 intervals', 100, 60_000),
  JOURNAL_FLUSH_MS: env.int(250, "How long the journal writer gathers events before it writes them (ms): a call's events that fall in one gathering (its setup; its end and the media node's closing report) are one statement; a journal entry shows that much later", 10, 5000),
  JOURNAL_ACK_WAIT_MS: env.int(5000, "Ack wait of the journal's durable consumer (ms): events a journal-writing gateway had received when it died reach the next one after this long; events still being written get progress acks", 1000, 300_000),
}).superRefine(busCredentialRules);
export type CtiGatewayConfig = z.infer<typeof CtiGatewayConfig>;

export const MediaConfig = z.object({
  ...common,
  HTTP_PORT: env.port(8081, 'HTTP port: health, readiness, metrics'),
  MEDIA_NODE_ID: env.optionalString('Unique id of this media node (default: host name + process id)'),
  MEDIA_WORKERS: env.int(0, 'mediasoup workers (0 = one per CPU)', 0, 256),
  MEDIA_LISTEN_IP: env.host('127.0.0.1', 'Local IP the RTP/ICE sockets bind to'),
  MEDIA_ANNOUNCED_ADDRESS: env.optionalString('Address announced in SDP and ICE candidates (default MEDIA_LISTEN_IP, or this host\'s first IPv4 when listening on 0.0.0.0)'),
  MEDIA_RTC_MIN_PORT: env.port(40000, 'Lowest UDP/TCP port for PBX-side RTP (PlainTransports)'),
  MEDIA_RTC_MAX_PORT: env.port(49999, 'Highest UDP/TCP port for PBX-side RTP (PlainTransports)'),
  MEDIA_WEBRTC_PORT: env.port(39000, 'First WebRtcServer port; worker i listens on this + i (UDP and TCP); 0 = ephemeral'),
  MEDIA_WEBRTC_SOCKET_BUFFER_BYTES: env.int(4 << 20, 'Receive/send buffer of each worker\'s WebRtcServer UDP socket (bytes; 0 = system default; capped by net.core.rmem_max/wmem_max)', 0, 1 << 30),
  MEDIA_HEARTBEAT_MS: env.int(2000, 'Interval of the node heartbeat on the bus (ms)', 100, 60_000),
  MEDIA_STATS_INTERVAL_MS: env.int(5000, 'Interval of the call stats sampling behind the metrics and quality summaries (ms)', 1000, 300_000),
  MEDIA_SSRC_WATCHDOG_MS: env.int(200, 'How often a PBX leg with a learnt SSRC checks that its packets still reach the call (ms; 0 = off)', 0, 10_000),
  MEDIA_DRAIN_TIMEOUT_MS: env.int(30_000, 'On SIGTERM or an operator\'s drain (admin console), how long running calls may continue before they are closed (ms)', 0),
  MEDIA_WORKER_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn').describe('mediasoup worker log level'),
  CONFERENCE_MAX_PARTICIPANTS: env.int(6, 'Legs mixed in one conference at most (the mixer decodes and encodes each, every 20 ms)', 2, 32),
  CONFERENCE_MAX_ROOMS: env.int(50, 'Conferences mixed at once on a media node (bench/conference: the cost per conference)', 1, 10_000),
  CAPTURE_DIR: z.string().min(1).default('./captures').describe('Directory of call captures (pcapng files and their .json info)'),
  CAPTURE_MAX_SECONDS: env.int(3600, 'Longest call capture, and the default duration (s)', 1, 86_400),
  CAPTURE_MAX_BYTES: env.int(100 << 20, 'Largest call capture file, and the default limit (bytes)', 4096, 1 << 30),
  CAPTURE_MAX_CONCURRENT: env.int(10, 'Call captures running at once on a media node', 1, 1000),
  CAPTURE_RETENTION_HOURS: env.int(72, 'Stopped captures older than this are deleted (hours)', 1, 24 * 365),
}).superRefine(busCredentialRules);
export type MediaConfig = z.infer<typeof MediaConfig>;

export const PbxAdapterConfig = z.object({
  ...common,
  HTTP_PORT: env.port(8082, 'HTTP port: health, readiness, metrics'),
  SIP_HOST: env.host('127.0.0.1', 'Address the SIP UDP/TCP listeners bind to'),
  SIP_PORT: env.port(5062, 'SIP port (UDP and TCP)'),
  SIP_PUBLIC_HOST: env.optionalString('Host written into Via/Contact (default SIP_HOST)'),
  SIP_TRANSPORTS: z.string().default('udp,tcp').refine((v) => v.split(',').every((t) => ['udp', 'tcp', 'tls'].includes(t.trim())), "expected a list of 'udp', 'tcp', 'tls'")
    .describe('SIP transports to listen on (comma-separated: udp, tcp, tls)'),
  SIP_TLS_PORT: env.port(5063, 'SIP TLS port, when tls is listed in SIP_TRANSPORTS'),
  SIP_TLS_CERT_FILE: env.optionalString('PEM certificate for SIP over TLS'),
  SIP_TLS_KEY_FILE: env.optionalString('PEM key for SIP over TLS'),
  SIP_TLS_CA_FILE: env.optionalString("PEM CA certificates trusted for the PBX's TLS certificate, instead of the system's (a PBX with a private CA)"),
  SIP_USER_AGENT: env.string('ucserver-pbx-adapter', 'User-Agent header'),
  LINE_CREDENTIALS_KEY: lineCredentialsKey(),
  SIP_REGISTER_EXPIRES_S: env.int(600, 'Requested registration lifetime (s); refreshed before expiry', 30, 86_400),
  SIP_REGISTER_RETRY_MIN_MS: env.int(1000, 'First retry delay after a failed registration (ms), doubles with jitter', 100),
  SIP_REGISTER_RETRY_MAX_MS: env.int(60_000, 'Largest retry delay after failed registrations (ms)', 1000),
  SIP_SESSION_EXPIRES_S: env.int(1800, 'RFC 4028 session interval offered and accepted (s; 0 disables session timers)', 0),
  SIP_OPTIONS_INTERVAL_S: env.int(30, "OPTIONS keepalive to each registrar (s; 0 disables); an unanswered OPTIONS is sent again at once, the second in a row marks the registrar's lines failed", 0),
  SIP_NO_CLIENT_STATUS: env.int(480, 'SIP status for an incoming call when no client can take it', 400, 699),
  SIP_MEDIA_MARK: env.bool(true, "Mark our INVITEs with the leg's media node (X-UCS-Media) so the other leg of a softphone-to-softphone call through the PBX is placed on the same node; turn off when the PBX forwards INVITEs to trunks and the node and call ids must not leave the site"),
  SIP_INVITE_TIMEOUT_S: env.int(120, 'Give up an unanswered outgoing call after this long (s)', 5),
  SIP_TRUSTED_PEERS: z.string().default('').refine(isPeerList, 'expected comma-separated IP addresses or CIDR ranges (10.0.0.5, 192.0.2.0/24, 2001:db8::/32)')
    .describe('SIP peers served besides the PBXs the lines register at (comma-separated IPs or CIDRs, e.g. a second PBX node or a test tool); requests from any other address get 403 and never reach a call'),
  SIP_RATE_TRUSTED_PER_S: env.int(2000, 'SIP messages per second accepted from one trusted source address (a line registrar or SIP_TRUSTED_PEERS; bursts of twice this); beyond it they are dropped unparsed', 1, 1_000_000),
  SIP_RATE_UNTRUSTED_PER_S: env.int(5, 'SIP messages per second answered (403) for one untrusted source address (bursts of twice this; all untrusted sources together at most 20 times this); beyond it they are dropped unparsed', 1, 100_000),
  SIP_RATE_TABLE_SIZE: env.int(4096, 'Source addresses whose SIP rate is tracked; the least recently seen is evicted beyond it', 16, 1_000_000),
  GATEWAY_LOSS_GRACE_MS: env.int(5000, 'After the gateway owning a call is lost (heartbeat silent for 3 intervals, or restarted), hang the call up after this long (ms)', 0, 600_000),
  PBX_LEASE_MS: env.int(10_000, 'Lease of the active pbx-adapter in NATS KV (ms): renewed every third of it; a standby takes over within about this long after the active dies, and an active that cannot renew stops before it runs out. The same on every instance', 1500, 600_000),
  PBX_CALL_SNAPSHOT_TTL_S: env.int(86_400, 'Lifetime of a call snapshot kept for crash recovery since its last write (s): the longest call the adapter can still end after a crash', 60, 31 * 86_400),
}).superRefine(busCredentialRules);
export type PbxAdapterConfig = z.infer<typeof PbxAdapterConfig>;

/** Every service's schema, by compose service name. */
export const serviceConfigs = {
  'cti-gateway': CtiGatewayConfig,
  media: MediaConfig,
  'pbx-adapter': PbxAdapterConfig,
} as const;
