/**
 * The access history's indexes, for what writes cost and what as-of questions at scale need
 * (issue #17 item 4, docs/history.md "Cost" and "Scale"). The table and its rows are unchanged:
 * only indexes are dropped and built, so an existing database migrates by building them.
 *
 * Every index entry is paid by the write that adds the row, so each index is as narrow as the
 * queries allow and holds only the rows that are looked up through it:
 *
 * - `access_history_user (tenant_id, user_id, span)`: a user's timeline; the spans a write ends;
 *   the report's users in user id order (the span tells the user's own spans apart without
 *   reading the row). Replaces `(tenant_id, user_id, span, span_key)`: the role key (JSON) made
 *   it twice as wide.
 * - `access_history_names (tenant_id, span, name_fold, user_id) where span is not null`: a
 *   userName a user had; the holders of a role, and the members of a group by displayName, in
 *   user id order, so a page of a filtered report is a range of it (was without `user_id`:
 *   every holder was checked against the report's order).
 * - `access_history_group_spans (tenant_id, span_key, user_id) where span = 'group'`: a group's
 *   members (its deletion), and by id in user id order for the report filtered by a group id.
 * - Retention (`prune`) deletes events older than the window and spans that ended before it. It
 *   used an index of every row's `at`; now two partial ones: `at` of rows that are not spans
 *   (events) and `valid_to` of spans that ended. A write that only starts spans (a create, a
 *   role granted, a group joined) adds nothing to them.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export function historyLayoutMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const name of [
        'access_history_user',
        'access_history_span_name',
        'access_history_group_spans',
        'access_history_at',
      ]) {
        await db.schema.dropIndex(name).execute();
      }
      await db.schema
        .createIndex('access_history_user')
        .on('access_history')
        .columns(['tenant_id', 'user_id', 'span'])
        .execute();
      await db.schema
        .createIndex('access_history_names')
        .on('access_history')
        .columns(['tenant_id', 'span', 'name_fold', 'user_id'])
        .where(sql.ref('span'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('access_history_group_spans')
        .on('access_history')
        .columns(['tenant_id', 'span_key', 'user_id'])
        .where(sql.ref('span'), '=', sql.lit('group'))
        .execute();
      await db.schema
        .createIndex('access_history_events_at')
        .on('access_history')
        .column('at')
        .where(sql.ref('span'), 'is', null)
        .execute();
      await db.schema
        .createIndex('access_history_ended')
        .on('access_history')
        .column('valid_to')
        .where(sql.ref('valid_to'), 'is not', null)
        .execute();
    },
  };
}
