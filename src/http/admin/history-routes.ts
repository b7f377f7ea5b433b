/**
 * The access history over the admin API (docs/history.md), as `scimd history` and `scimd access`:
 * one user's timeline, and who was active with which roles and groups at a moment, as JSON or
 * as a CSV download. Reports are streamed page by page, never built whole in memory.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../../scim/errors.js';
import { accessCsv } from '../../service/access-csv.js';
import { accessJson, openAccessReport, readUserTimeline } from '../../service/access-report.js';
import { ACCESS_EVENT_KINDS } from '../../store/history-port.js';
import type { Store } from '../../store/store.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export interface HistoryRoutesOptions {
  readonly store: Store;
}

const ACCESS_FORMATS = ['json', 'csv'] as const;

const roleSchema = z.object({ value: z.string(), display: z.string().optional(), type: z.string().optional() });
const groupSchema = z.object({ id: z.string(), displayName: z.string() });

const timelineSchema = z.object({
  userIds: z.array(z.string()).describe('The id asked for, or every user that had the userName'),
  entries: z.array(
    z.object({
      userId: z.string(),
      time: z.string(),
      requestId: z.string().nullable().describe("The IdP request's id: find it in the provisioning log"),
      kind: z.enum(ACCESS_EVENT_KINDS),
      userName: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});

const accessSchema = z.object({
  asOf: z.string(),
  role: z.string().nullable(),
  group: z.string().nullable(),
  users: z.array(
    z.object({
      userId: z.string(),
      userName: z.string(),
      active: z.boolean(),
      roles: z.array(roleSchema),
      groups: z.array(groupSchema).describe('displayName as it was when the user joined'),
    }),
  ),
});

export const historyRoutes: FastifyPluginCallback<HistoryRoutesOptions> = (admin, options, done) => {
  const { store } = options;
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/history/users/:idOrUserName',
      tag: 'access history',
      summary: "One user's access timeline, also after the user was deleted",
      description:
        'By id, or by a userName the user had (ignoring case; every user that had it). Each entry has its time and the request id of the IdP request that caused it.',
      params: z.object({ slug: z.string(), idOrUserName: z.string() }),
      status: 200,
      response: timelineSchema,
      errors: [400, 404],
      handle: async ({ params }) => readUserTimeline(store, params.slug, params.idOrUserName),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/access',
      tag: 'access history',
      summary: 'Who was active, with which roles and groups, at a moment',
      description:
        'CSV is UTF-8 with a byte order mark, every field quoted, and cells starting with = + - @ prefixed with an apostrophe (formula injection).',
      params: slugParams,
      query: z.object({
        asOf: z
          .string()
          .optional()
          .describe('ISO 8601 time with a zone (2026-01-31T17:00:00Z) or a date (its end, UTC)'),
        role: z.string().optional().describe('Only users holding this role value (ignoring case)'),
        group: z.string().optional().describe('Only members of this group: its id, or its displayName ignoring case'),
        format: z
          .string()
          .optional()
          .meta({ enum: [...ACCESS_FORMATS] }),
      }),
      status: 200,
      response: accessSchema,
      responseDescription: 'The report: JSON, or with format=csv a CSV attachment',
      errors: [400, 404],
      handle: async ({ params, query, reply }) => {
        const format = query.format ?? 'json';
        if (!(ACCESS_FORMATS as readonly string[]).includes(format)) {
          throw badRequest(`unknown format ${JSON.stringify(format)}: use json or csv`);
        }
        const report = await openAccessReport(store, params.slug, query);
        if (format === 'csv') {
          const name = `access-${params.slug}-${report.asOf.replaceAll(':', '')}.csv`;
          reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="${name}"`);
          return Readable.from(accessCsv(report.users));
        }
        reply.type('application/json; charset=utf-8');
        return Readable.from(accessJson(report));
      },
    }),
  ]);
  done();
};
