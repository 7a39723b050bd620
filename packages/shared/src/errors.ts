/**
 * The shared kernel's error catalogue. Every error has a stable `code` so callers (and the bus, which
 * carries errors as data) can branch on it without parsing messages.
 */
export const SharedErrorCodes = {
  UCS_ERR_CONFIG_INVALID: 'UCS_ERR_CONFIG_INVALID',
  UCS_ERR_INVALID_STATE: 'UCS_ERR_INVALID_STATE',
  UCS_ERR_BUS_PAYLOAD_INVALID: 'UCS_ERR_BUS_PAYLOAD_INVALID',
  UCS_ERR_BUS_TIMEOUT: 'UCS_ERR_BUS_TIMEOUT',
  UCS_ERR_BUS_NO_RESPONDERS: 'UCS_ERR_BUS_NO_RESPONDERS',
  UCS_ERR_BUS_REMOTE: 'UCS_ERR_BUS_REMOTE',
  UCS_ERR_BUS_CLOSED: 'UCS_ERR_BUS_CLOSED',
  UCS_ERR_BUS_PERMISSION: 'UCS_ERR_BUS_PERMISSION',
  UCS_ERR_SEALED_SECRET_INVALID: 'UCS_ERR_SEALED_SECRET_INVALID',
  UCS_ERR_DB_MIGRATION: 'UCS_ERR_DB_MIGRATION',
  UCS_ERR_INTERNAL: 'UCS_ERR_INTERNAL',
} as const;
export type SharedErrorCode = (typeof SharedErrorCodes)[keyof typeof SharedErrorCodes];

/**
 * Base of every domain error in ucserver: a condition a caller may handle, as distinct from a bug. Each
 * subclass states its catalogue code as `static readonly code` and passes it to this constructor.
 */
export class UcsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One bad environment variable, as reported by {@link ConfigError}. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_CONFIG_INVALID;
  readonly issues: ConfigIssue[];
  constructor(service: string, issues: ConfigIssue[]) {
    super(
      SharedErrorCodes.UCS_ERR_CONFIG_INVALID,
      `invalid configuration for ${service}: ` + issues.map((i) => `${i.variable}: ${i.message}`).join('; '),
    );
    this.issues = issues;
  }
}

/** A method was called on an object in a state that does not allow it (closed, not yet started). */
export class InvalidStateError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_INVALID_STATE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_INVALID_STATE, message, options);
  }
}

export class BusPayloadError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_BUS_PAYLOAD_INVALID;
  readonly subject: string;
  constructor(subject: string, message: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_BUS_PAYLOAD_INVALID, `invalid payload on '${subject}': ${message}`, options);
    this.subject = subject;
  }
}

export class BusTimeoutError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_BUS_TIMEOUT;
  constructor(subject: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_BUS_TIMEOUT, `request on '${subject}' timed out after ${timeoutMs} ms`, options);
  }
}

export class BusNoRespondersError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_BUS_NO_RESPONDERS;
  constructor(subject: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_BUS_NO_RESPONDERS, `no service answers '${subject}'`, options);
  }
}

/**
 * Thrown by a command handler that must not answer this request: another instance serving the same
 * subject (without a queue group) answers it — the requester takes the first reply.
 */
export class BusNoReply extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'BusNoReply';
  }
}

export class BusClosedError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_BUS_CLOSED;
  constructor(message = 'bus connection is closed', options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_BUS_CLOSED, message, options);
  }
}

/**
 * The NATS server refused this service's user a subject (publish or subscribe): its permissions
 * (infra/nats, generated from the bus access table) do not include the command or topic.
 */
export class BusPermissionError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_BUS_PERMISSION;
  readonly subject: string;
  constructor(subject: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_BUS_PERMISSION, `the NATS server does not allow this service '${subject}' (see the bus access table)`, options);
    this.subject = subject;
  }
}

/** A sealed secret (a line's SIP password on the bus) could not be opened: wrong key, altered, or another object's. */
export class SealedSecretError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_SEALED_SECRET_INVALID;
  constructor(message: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_SEALED_SECRET_INVALID, message, options);
  }
}

/**
 * A handler on the other side of a bus request failed. `remoteCode` is the handler's own error code
 * (e.g. `UCS_ERR_MEDIA_NO_COMMON_CODEC`), carried as data across the bus.
 */
export class BusRemoteError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_BUS_REMOTE;
  readonly remoteCode: string;
  readonly subject: string;
  constructor(subject: string, remoteCode: string, message: string) {
    super(SharedErrorCodes.UCS_ERR_BUS_REMOTE, `${message} [subject:${subject}, code:${remoteCode}]`);
    this.remoteCode = remoteCode;
    this.subject = subject;
  }
}

export class MigrationError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_DB_MIGRATION;
  constructor(message: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_DB_MIGRATION, message, options);
  }
}

/**
 * A failure that is not a domain condition (a bug, an unexpected exception): what crosses the bus or an
 * API in place of the original error, whose details stay in the log.
 */
export class InternalError extends UcsError {
  static readonly code = SharedErrorCodes.UCS_ERR_INTERNAL;
  constructor(message: string, options?: { cause?: unknown }) {
    super(SharedErrorCodes.UCS_ERR_INTERNAL, message, options);
  }
}

/**
 * One package's error catalogue: its codes and the classes that carry them. The house test walks every
 * catalogue of the tree: codes are unique, and each has exactly one class.
 */
export interface ErrorCatalogue {
  readonly codes: Readonly<Record<string, string>>;
  readonly classes: ReadonlyArray<{ readonly code: string; readonly name: string }>;
}
