/**
 * The driver's HTTP client: every request carries a unique tag in its query (`dt=<tag>`) and
 * returns what the client saw — a status, or that it gave up, or that the connection broke — with
 * wall-clock start and end. Expected failures are values here, never exceptions.
 */
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';

export type ClientOutcomeKind = 'response' | 'aborted' | 'error' | 'timeout';

export interface ClientResult {
  readonly tag: string;
  readonly scenario: string;
  readonly method: string;
  /** Path and query as sent, the tag included */
  readonly uri: string;
  /** Epoch ms */
  readonly startMs: number;
  readonly endMs: number;
  readonly outcome: ClientOutcomeKind;
  readonly status: number | null;
  /** Error code (ECONNRESET, …) for outcome `error` */
  readonly error: string | null;
  /** When the client gives up by itself (outcome `aborted`) */
  readonly abortAfterMs: number | null;
}

export interface SendInput {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Extra query parameters; the tag is appended as `dt` */
  readonly query?: Readonly<Record<string, string | number>>;
  readonly scenario: string;
  readonly body?: string;
  readonly abortAfterMs?: number;
  readonly agent?: Agent;
}

/** A client that hangs longer than this is recorded as `timeout`: no scripted event needs that long. */
const HARD_TIMEOUT_MS = 30_000;

export class Client {
  private seq = 0;
  readonly results: ClientResult[] = [];
  private readonly inFlight = new Set<Promise<ClientResult>>();
  /** tag → scenario of requests sent and not yet settled */
  private readonly pending = new Map<string, string>();

  constructor(readonly port: number) {}

  nextTag(): string {
    this.seq += 1;
    return `t${String(this.seq).padStart(4, '0')}`;
  }

  buildUri(path: string, tag: string, query: Readonly<Record<string, string | number>> = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) params.set(k, String(v));
    params.set('dt', tag);
    return `${path}?${params.toString()}`;
  }

  send(input: SendInput): Promise<ClientResult> {
    const tag = this.nextTag();
    const uri = this.buildUri(input.path, tag, input.query);
    this.pending.set(tag, input.scenario);
    const promise = this.perform(input, tag, uri).then((result) => {
      this.pending.delete(tag);
      this.results.push(result);
      this.inFlight.delete(promise);
      return result;
    });
    this.inFlight.add(promise);
    return promise;
  }

  /** Sends raw bytes (for requests nginx must reject itself); the status is read off the first line. */
  sendRaw(scenario: string, method: string, buildRequest: (uri: string) => string, path: string): Promise<ClientResult> {
    const tag = this.nextTag();
    const uri = this.buildUri(path, tag);
    const startMs = Date.now();
    const promise = new Promise<ClientResult>((resolve) => {
      let data = '';
      let settled = false;
      const finish = (status: number | null, error: string | null): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        resolve({
          tag, scenario, method, uri, startMs, endMs: Date.now(),
          outcome: status === null ? 'error' : 'response', status, error, abortAfterMs: null,
        });
      };
      const socket = connect({ host: '127.0.0.1', port: this.port }, () => socket.write(buildRequest(uri)));
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        data += chunk;
        const m = /^HTTP\/1\.\d (\d{3})/.exec(data);
        if (m && data.includes('\r\n\r\n')) finish(Number(m[1]), null);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => finish(null, err.code ?? err.message));
      socket.on('close', () => finish(null, 'closed before a status line'));
      socket.setTimeout(HARD_TIMEOUT_MS, () => finish(null, 'timeout'));
    }).then((result) => {
      this.results.push(result);
      this.inFlight.delete(promise);
      return result;
    });
    this.inFlight.add(promise);
    return promise;
  }

  /** Tags of this scenario's requests that have no result yet */
  inFlightTags(scenario: string): string[] {
    return [...this.pending.entries()].filter(([, s]) => s === scenario).map(([tag]) => tag);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private perform(input: SendInput, tag: string, uri: string): Promise<ClientResult> {
    const startMs = Date.now();
    const controller = new AbortController();
    let abortedByUs = false;
    let hardTimeout = false;
    const timers: NodeJS.Timeout[] = [];
    if (input.abortAfterMs !== undefined) {
      timers.push(setTimeout(() => { abortedByUs = true; controller.abort(); }, input.abortAfterMs));
    }
    timers.push(setTimeout(() => { hardTimeout = true; controller.abort(); }, HARD_TIMEOUT_MS));
    const base = {
      tag, scenario: input.scenario, method: input.method, uri, startMs,
      abortAfterMs: input.abortAfterMs ?? null,
    };
    return new Promise<ClientResult>((resolve) => {
      let settled = false;
      const finish = (rest: Pick<ClientResult, 'outcome' | 'status' | 'error'>): void => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        resolve({ ...base, ...rest, endMs: Date.now() });
      };
      const headers: Record<string, string> = { 'user-agent': `droptrace-harness/${input.scenario}` };
      if (input.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(input.body));
      }
      const req = httpRequest(
        {
          host: '127.0.0.1', port: this.port, method: input.method, path: uri, headers,
          signal: controller.signal, ...(input.agent ? { agent: input.agent } : {}),
        },
        (res) => {
          res.resume();
          res.on('end', () => finish({ outcome: 'response', status: res.statusCode ?? null, error: null }));
          res.on('error', () => finish({ outcome: 'response', status: res.statusCode ?? null, error: 'body cut' }));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (abortedByUs) finish({ outcome: 'aborted', status: null, error: null });
        else if (hardTimeout) finish({ outcome: 'timeout', status: null, error: null });
        else finish({ outcome: 'error', status: null, error: err.code ?? err.message });
      });
      req.end(input.body);
    });
  }
}
