/**
 * A unit of work's resource write held back for the statement after it (PostgreSQL, where every
 * statement is a round trip made while the tenant's lock is held). When what comes next is the
 * write's one change event, the common case (a create, an Entra PATCH, a member added), both go
 * as one statement (events.ts, `appendOneEvent`): issue #18's "the resource write, the outbox
 * event and the sequence in one statement". Anything else the unit does runs the held write
 * alone first (`flush`), so the unit reads its own writes and its statements keep their order;
 * so does the end of the unit.
 *
 * A held write answers at once with the resource as the write leaves it, which it knows without
 * the database: a create's row is its input at version 1; an update's is the row this unit read
 * (under the tenant's lock, so nobody else changed it since) one version on. An update of a row
 * the unit has not read runs at once, as before. A unique violation surfaces when the held write
 * runs, still inside the unit, as the same SCIM error.
 *
 * The write's events may also be the unit's last statement (`holdFinal`, from
 * `TenantWriter.appendFinal`): held until the unit ends, they are then sent as its last
 * statement (`finish`), which PostgreSQL's clients send unanswered with the next one
 * (unanswered.ts); anything the unit does before it ends runs them first, answered.
 */

import type { ResourceTypeName } from '../../scim/schema/types.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { ScimObject } from '../shapes.js';
import type { NewResource, StoredResource } from '../store.js';
import { insertWrite, type ResourceWrite, runResourceWrite, updateWrite } from './resources.js';
import type { SqlScope } from './scope.js';

/**
 * A write's events as the unit's last statement (`TenantWriter.appendFinal`), held to see
 * whether anything follows it in the unit.
 */
export interface FinalAppend {
  /** Runs it now and waits for its answer: something followed it in the unit. */
  run(): Promise<void>;
  /** Sends it as the unit's last statement, whose outcome may settle later (unanswered.ts). */
  send(): Promise<{ readonly outcome: Promise<void> }>;
}

export class HeldWrite {
  private held: ResourceWrite | undefined;
  private final: FinalAppend | undefined;
  /** Resources as this unit read or wrote them, by id. */
  private readonly known = new Map<string, StoredResource>();

  constructor(private readonly scope: SqlScope) {}

  /** A resource the unit read: an update of it can be held. */
  noteRead<T extends StoredResource | undefined>(resource: T): T {
    if (resource !== undefined) this.known.set(resource.id, resource);
    return resource;
  }

  noteDeleted(id: string): void {
    this.known.delete(id);
  }

  /** Holds the INSERT of `input`; answers with the row it will write. */
  async insert(input: NewResource): Promise<StoredResource> {
    await this.flush();
    const write = insertWrite(this.scope, input);
    const now = normalizeTimestamp(input.now);
    return this.hold(write, { id: input.id, resourceType: input.resourceType, version: 1, created: now }, now);
  }

  /** Holds the UPDATE when the unit read the row; runs it at once otherwise. */
  async update(
    type: ResourceTypeName,
    id: string,
    body: ScimObject | undefined,
    now: string,
  ): Promise<StoredResource | undefined> {
    await this.flush();
    const write = updateWrite(this.scope, type, id, body, now);
    const current = this.known.get(id);
    if (current === undefined || current.resourceType !== type) {
      return this.noteRead(await runResourceWrite(this.scope, write));
    }
    const next = { id, resourceType: type, version: current.version + 1, created: current.created };
    return this.hold(write, next, normalizeTimestamp(now), body === undefined ? current.body : undefined);
  }

  /** The held write, for the statement of its event; the caller runs it. */
  take(): ResourceWrite | undefined {
    const write = this.held;
    this.held = undefined;
    return write;
  }

  /** Holds the unit's final append (it holds the write it carries, taken with `take`). */
  holdFinal(final: FinalAppend): void {
    this.final = final;
  }

  /** Runs what is held (the final append, or the write alone), if anything; calls meanwhile wait for the same run. */
  readonly flush = (): Promise<void> => {
    const started = this.runHeld();
    if (started !== undefined) {
      const run: Promise<void> = started.finally(() => {
        if (this.inFlight === run) this.inFlight = undefined;
      });
      this.inFlight = run;
    }
    return this.inFlight ?? Promise.resolve();
  };

  /**
   * Ends the unit: a final append still held is the unit's last statement and is sent as such,
   * answering with its outcome; anything else held runs first, answered.
   */
  async finish(): Promise<{ readonly outcome: Promise<void> } | undefined> {
    await this.inFlight;
    const final = this.final;
    if (final === undefined) {
      await this.flush();
      return undefined;
    }
    this.final = undefined;
    return final.send();
  }

  private runHeld(): Promise<void> | undefined {
    const final = this.final;
    if (final !== undefined) {
      this.final = undefined;
      return final.run();
    }
    const write = this.take();
    if (write === undefined) return undefined;
    return runResourceWrite(this.scope, write).then((row) => {
      if (row === undefined) throw new Error(`resource ${JSON.stringify(write.id)} was not written`);
    });
  }

  private inFlight: Promise<void> | undefined;

  /** Nothing held and nothing running: the unit's statements may go straight on. */
  get idle(): boolean {
    return this.held === undefined && this.final === undefined && this.inFlight === undefined;
  }

  private hold(
    write: ResourceWrite,
    row: Pick<StoredResource, 'id' | 'resourceType' | 'version' | 'created'>,
    lastModified: string,
    unchangedBody?: ScimObject,
  ): StoredResource {
    this.held = write;
    // The body as the database will give it back: its encoded JSON, decoded.
    const body = unchangedBody ?? this.scope.dialect.codec.decodeJson(write.values['body']);
    return this.noteRead({ ...row, lastModified, body });
  }
}

/**
 * `target` with every method but those in `except` running the held write first, when there is
 * one (a unit's methods that do not deal with a held write themselves). `except` also lists the
 * methods that must stay synchronous (they run no statement).
 */
export function flushingFirst<T extends object>(target: T, held: HeldWrite, except: ReadonlySet<string>): T {
  const wrapped = { ...target } as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function' || except.has(name)) continue;
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => (held.idle ? method(...args) : held.flush().then(() => method(...args)));
  }
  return wrapped as T;
}
