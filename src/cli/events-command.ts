/**
 * `scimd events <slug>`: a tenant's change events from the outbox (docs/events.md), read after a
 * cursor; `--follow` keeps reading (long-polling the database) until interrupted. With `--json`
 * a single read prints one page document; `--follow --json` prints one event per line (JSON
 * Lines), ready for `jq` or a script.
 */
import { type FeedPage, readChangeFeed } from '../service/change-feed.js';
import { checkSlug } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatTable } from './format.js';

export const EVENTS_USAGE = ['scimd events <slug> [--after <cursor>] [--limit <n>] [--follow] [--json]'] as const;

type EventJson = FeedPage['events'][number];

const HEADERS = ['CURSOR', 'TIME', 'TYPE', 'RESOURCE', 'CHANGED'];

function eventRow(e: EventJson): string[] {
  const member = e.data.member ? ` member ${e.data.member.type} ${e.data.member.value}` : '';
  return [
    e.cursor,
    e.timestamp,
    e.type,
    `${e.data.resourceType} ${e.data.id}${member}`,
    e.data.changedAttributes.join(','),
  ];
}

/** Resolves when `io.signal` aborts or, without one, on SIGINT/SIGTERM; `stop()` detaches. */
function interruption(io: CliIo): { signal: AbortSignal; stop(): void } {
  if (io.signal) return { signal: io.signal, stop: () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    stop: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1000) {
    throw new UsageError(`--limit must be an integer from 1 to 1000\nusage: ${EVENTS_USAGE[0]}`);
  }
  return Number(text);
}

export async function runEventsCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { json: { type: 'boolean' }, follow: { type: 'boolean' }, after: { type: 'string' }, limit: { type: 'string' } },
    ['<slug>'],
    EVENTS_USAGE[0],
  );
  const slug = checkSlug(positionals[0]!);
  const limit = parseLimit(values.limit);
  const ctx = await open();
  if (!values.follow) {
    const page = await readChangeFeed(ctx.store, slug, { after: values.after, limit });
    if (values.json) writeJson(io.stdout, page);
    else if (page.events.length === 0)
      write(io.stdout, `No events after cursor ${page.nextCursor} for tenant "${slug}".`);
    else {
      write(io.stdout, formatTable(HEADERS, page.events.map(eventRow)));
      write(io.stdout, `\nNext: scimd events ${slug} --after ${page.nextCursor}`);
    }
    return EXIT.ok;
  }
  const { signal, stop } = interruption(io);
  try {
    let after = values.after;
    let first = true;
    while (!signal.aborted) {
      const page: FeedPage = await readChangeFeed(ctx.store, slug, { after, limit, waitSeconds: 30 }, { signal });
      for (const event of page.events) {
        if (values.json) io.stdout.write(`${JSON.stringify(event)}\n`);
        else {
          if (first) write(io.stdout, HEADERS.join('  '));
          first = false;
          write(io.stdout, eventRow(event).join('  '));
        }
      }
      after = page.nextCursor;
    }
  } finally {
    stop();
  }
  return EXIT.ok;
}
