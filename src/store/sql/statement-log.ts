/**
 * Statement timings for a `StoreObserver` (observer-port.ts) through Kysely's `log` hook, which
 * times every statement of every connection, transactions included, and is not installed at all
 * when no observer is given.
 */
import type { CompiledQuery, LogEvent, Logger } from 'kysely';
import type { StatementKind, StoreObserver } from '../observer-port.js';

const KIND_OF_NODE: Readonly<Record<string, StatementKind>> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

const LEADING_WORD = /^\s*\(?\s*([a-z]+)/i;

const KIND_OF_WORD: Readonly<Record<string, StatementKind>> = {
  select: 'select',
  with: 'select',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  begin: 'transaction',
  commit: 'transaction',
  rollback: 'transaction',
  savepoint: 'transaction',
  release: 'transaction',
  start: 'transaction',
};

/** The kind of a compiled statement: from Kysely's node, or from the first keyword of raw SQL. */
export function statementKind(query: CompiledQuery): StatementKind {
  const byNode = KIND_OF_NODE[query.query.kind];
  if (byNode !== undefined) return byNode;
  const word = LEADING_WORD.exec(query.sql)?.[1]?.toLowerCase();
  return (word !== undefined ? KIND_OF_WORD[word] : undefined) ?? 'other';
}

/** The Kysely `log` option reporting to `observer`. */
export function statementLogger(observer: StoreObserver): Logger {
  return (event: LogEvent) => {
    observer.statement(statementKind(event.query), event.queryDurationMillis / 1000, event.level === 'error');
  };
}
