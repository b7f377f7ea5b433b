/**
 * Statements a unit of work may send unanswered: its last one, whose answer it does not need
 * (a write's events, with the write they carry: events.ts, `appendFinalEvent`). Where every
 * statement is a round trip made under the tenant's lock (PostgreSQL), the pool's clients hold
 * such a statement and send it in front of the next one, the next unit's first statement or the
 * COMMIT (postgres/prepared.ts). Its outcome comes with that statement's answer; a failure is
 * rolled back to the unit's savepoint there and fails that unit alone (group-commit.ts).
 */

const texts = new Set<string>();

/** The texts of the templates that may go unanswered (a handful: one per write shape). */
export const unansweredTexts = {
  note(text: string): void {
    texts.add(text);
  },
  has: (text: string): boolean => texts.has(text),
};

/** Where the row that answers a held statement at once keeps the promise of its outcome. */
export const OUTCOME = Symbol('outcome');

/** What a client answers at once for a statement it holds. */
export interface UnansweredRow {
  readonly [OUTCOME]: Promise<void>;
}

/** The outcome of a statement that was held, or undefined when it ran at once (`row` is its answer). */
export function outcomeOf(row: object | undefined): Promise<void> | undefined {
  return row !== undefined && OUTCOME in row ? (row as UnansweredRow)[OUTCOME] : undefined;
}
