// The admin console's access to the admin API (/api/v1): JSON requests with the bearer token, and the
// server-sent event stream read through fetch (EventSource cannot send an Authorization header).

/** An answer of the admin API other than 2xx, with its error code and message. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
  }
}

export type LiveKind = 'calls' | 'lines' | 'nodes';

export class AdminApi {
  readonly #token: string;
  /** Called when the API says the token is no longer good (401): the console signs out. */
  readonly #onUnauthorized: () => void;

  constructor(token: string, onUnauthorized: () => void) {
    this.#token = token;
    this.#onUnauthorized = onUnauthorized;
  }

  static async login(login: string, password: string): Promise<{ token: string; login: string; displayName: string | null }> {
    const res = await fetch('/api/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    return parse(res) as Promise<{ token: string; login: string; displayName: string | null }>;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (res.status === 401) this.#onUnauthorized();
    return parse(res) as Promise<T>;
  }

  /**
   * Downloads a file of the API (GET path: a CSV, a capture) as a file named by the server. A plain link
   * cannot send the bearer token, so: fetch with it, then a Blob behind an object URL. Returns its size.
   */
  async download(path: string, fallbackName = 'export.csv'): Promise<number> {
    const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${this.#token}` } });
    if (res.status === 401) this.#onUnauthorized();
    if (!res.ok) await parse(res);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return blob.size;
  }

  /**
   * Follows GET /events until `signal` aborts: each event's data (a whole list) goes to `onEvent`;
   * `onState` says whether the stream is up. A dropped stream is opened again after 2 s.
   */
  async follow(onEvent: (kind: LiveKind, data: unknown) => void, onState: (up: boolean) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await fetch('/api/v1/events', { headers: { authorization: `Bearer ${this.#token}`, accept: 'text/event-stream' }, signal });
        if (res.status === 401) {
          this.#onUnauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState(true);
        await readEvents(res.body, onEvent);
      } catch (err) {
        if (signal.aborted) return;
        console.warn('event stream dropped', err);
      }
      onState(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new AdminApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `HTTP ${res.status}`);
  }
  return json;
}

/** Parses a text/event-stream body (event + data lines, blank line ends an event). */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (kind: LiveKind, data: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = '';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) kind = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if ((kind === 'calls' || kind === 'lines' || kind === 'nodes') && data.length) onEvent(kind, JSON.parse(data.join('\n')));
    }
  }
}
