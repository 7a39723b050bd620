import { AdminApiError, AdminResponseError, AdminUnreachableError } from './errors.ts';

export interface AdminClientOptions {
  baseUrl: string;
  /** Admin bearer token or a login token. */
  token?: string | undefined;
  /** Basic credentials of an admin user (used when no token is given). */
  user?: string | undefined;
  password?: string | undefined;
  timeoutMs?: number;
}

/** A typed client of the admin REST API, used by the admin CLI and the seed command. */
export class AdminClient {
  readonly #base: string;
  readonly #auth: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: AdminClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    if (options.token) this.#auth = `Bearer ${options.token}`;
    else if (options.user !== undefined) this.#auth = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** A binary download (a capture file); an error answer is thrown as for request(). */
  async download(path: string): Promise<Buffer> {
    const res = await this.#fetch('GET', path, undefined, 120_000);
    if (res.ok) return Buffer.from(await res.arrayBuffer());
    return this.#parse(res);
  }

  async request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.#parse<T>(await this.#fetch(method, path, body, this.#timeoutMs));
  }

  async #fetch(method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    try {
      return await fetch(`${this.#base}/api/v1${path}`, {
        method,
        headers: {
          ...(this.#auth ? { authorization: this.#auth } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new AdminUnreachableError(`cannot reach ${this.#base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
    }
  }

  async #parse<T>(res: Response): Promise<T> {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch (err) {
      throw new AdminResponseError(res.status, `unexpected response from ${this.#base} (${res.status}): ${text.slice(0, 200)}`, { cause: err });
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new AdminApiError(res.status, err?.code, err?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }
}
