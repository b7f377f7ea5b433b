/**
 * What a store reports to whoever watches it (the metrics of src/metrics/): how long each SQL
 * statement took, how busy the connection pool is, and how to read the delivery backlog.
 * Optional: `openStore` without an observer measures nothing and costs nothing.
 */
import type { EndpointBacklog } from './events-port.js';

/** A statement's kind, from its first keyword: bounded, never the SQL text itself. */
export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'transaction' | 'other';

export const STATEMENT_KINDS: readonly StatementKind[] = [
  'select',
  'insert',
  'update',
  'delete',
  'transaction',
  'other',
];

/** A connection pool's use at one moment (PostgreSQL; SQLite has one connection and no pool). */
export interface PoolUse {
  /** Connections open, busy or idle. */
  readonly total: number;
  readonly idle: number;
  /** Requests waiting for a connection. */
  readonly waiting: number;
}

export interface StoreObserver {
  /** One statement finished (`failed`: the database refused it) after `seconds`. */
  statement(kind: StatementKind, seconds: number, failed: boolean): void;
  /** Called once at open by backends with a pool: `read` returns its use whenever asked. */
  pool?(read: () => PoolUse): void;
  /** Called once at open: `read` queries the change events not yet delivered, whenever asked. */
  backlog?(read: () => Promise<readonly EndpointBacklog[]>): void;
  /** Called once at open: `read` queries the writes whose access history is not projected yet. */
  historyBacklog?(read: () => Promise<number>): void;
}
