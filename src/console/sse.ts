/**
 * Live panels over Server-Sent Events. A stream polls its source every `pollMs` and sends what is
 * new; polling the database (rather than an in-process signal) means a panel sees requests
 * served by any scimd process sharing it. A comment line every 15 s keeps proxies from closing
 * an idle stream; the server ends every stream when it shuts down.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface LiveMessage {
  readonly event: string;
  /** May span lines; each becomes a `data:` line. */
  readonly data: string;
  readonly id?: string;
  /** The last message: the stream ends after it (the browser is told not to reconnect). */
  readonly final?: boolean;
}

const HEARTBEAT_MS = 15_000;

/** One SSE frame (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export function frame(message: LiveMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id.replace(/[\r\n]/g, '')}\n`;
  const data = message.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `event: ${message.event}\n${id}${data}\n`;
}

export class LiveStreams {
  readonly #pollMs: number;
  readonly #open = new Set<() => void>();

  constructor(pollMs: number) {
    this.#pollMs = pollMs;
  }

  /**
   * Takes over the reply and streams what `poll` returns each time until the client leaves.
   * `poll` is first called at once; a poll that throws ends the stream (the browser reconnects).
   */
  open(request: FastifyRequest, reply: FastifyReply, poll: () => Promise<readonly LiveMessage[]>): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
    raw.write('retry: 3000\n\n');
    let timer: NodeJS.Timeout | undefined;
    let lastWrite = Date.now();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      this.#open.delete(close);
      raw.end();
    };
    this.#open.add(close);
    request.raw.on('close', close);
    const tick = async () => {
      try {
        const messages = await poll();
        if (closed) return;
        for (const message of messages) raw.write(frame(message));
        if (messages.some((m) => m.final)) {
          close();
          return;
        }
        if (messages.length > 0) lastWrite = Date.now();
        else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          raw.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      } catch (error) {
        request.log.warn({ err: error }, 'live panel stopped');
        close();
        return;
      }
      if (!closed) timer = setTimeout(tick, this.#pollMs);
    };
    void tick();
  }

  closeAll(): void {
    for (const close of [...this.#open]) close();
  }
}
