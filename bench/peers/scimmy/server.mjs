/**
 * Benchmark peer: an Express server built from SCIMMY + scimmy-routers, set up as their READMEs
 * show (resources declared with ingress/egress/degress handlers, `SCIMMYRouters` mounted with a
 * bearer handler), over an in-memory store seeded with the benchmark directory at start.
 *
 * Environment: BENCH_TOKEN (the accepted bearer token), BENCH_USERS (directory size),
 * BENCH_PORT (0 for any free port). Prints `listening on <url>` once ready.
 *
 * Two deliberate choices, both in the peer's favour, are documented in docs/benchmarks.md:
 * - `userName eq "..."` and GET by id use a Map instead of SCIMMY's linear `Filter#match`
 *   (any real store would use an index); every other filter goes through `Filter#match`.
 * - Express's query parser turns `startIndex`/`count` into integers: scimmy-routers passes the
 *   query strings through and SCIMMY ignores non-integer paging values, so without this every
 *   GET list would return the first 20 resources whatever was asked.
 */
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import {
  GROUP_SETS,
  groupBody,
  groupCount,
  groupId,
  memberRange,
  SPARE_USERS,
  seededAt,
  spareId,
  spareUserName,
  userBody,
  userId,
} from '../../shared/directory.mjs';

const token = process.env.BENCH_TOKEN ?? '';
const size = Number(process.env.BENCH_USERS ?? '0');
const port = Number(process.env.BENCH_PORT ?? '0');

const users = new Map();
const userIdByName = new Map();
const groups = new Map();
let sequence = 0;

const clone = (value) => JSON.parse(JSON.stringify(value));

function meta(resourceType, at) {
  return { resourceType, created: at, lastModified: at };
}

function putUser(id, body, at) {
  users.set(id, { ...body, id, meta: meta('User', at) });
  userIdByName.set(String(body.userName).toLowerCase(), id);
}

function seed() {
  let n = 0;
  for (let i = 0; i < size; i++) putUser(userId(i), userBody(i), seededAt(n++));
  for (let j = 0; j < SPARE_USERS; j++) putUser(spareId(j), userBody(10_000_000 + j, spareUserName(j)), seededAt(n++));
  for (const set of GROUP_SETS) {
    for (let k = 0; k < groupCount(set, size); k++) {
      const [start, end] = memberRange(set, k);
      const members = [];
      for (let i = start; i < end; i++) {
        const user = users.get(userId(i));
        members.push({ value: user.id, display: user.displayName, type: 'User' });
      }
      const id = groupId(set, k);
      groups.set(id, { ...groupBody(set, k), id, members, meta: meta('Group', seededAt(n++)) });
    }
  }
}

/** The value of a lone `userName eq "x"` filter, else undefined. */
function userNameEquality(filter) {
  if (!Array.isArray(filter) || filter.length !== 1) return undefined;
  const [expression] = filter;
  const keys = Object.keys(expression);
  if (keys.length !== 1 || keys[0].toLowerCase() !== 'username') return undefined;
  const [op, value] = expression[keys[0]];
  return op === 'eq' && typeof value === 'string' ? value : undefined;
}

/**
 * The page the request asked for, with `totalResults` handed to SCIMMY through the resource's
 * constraints: SCIMMY maps every returned item through its schema before paging, so returning
 * only the prefix it needs keeps that cost proportional to the page, not the collection.
 */
function page(resource, matched) {
  const startIndex = resource.constraints?.startIndex ?? 1;
  const count = resource.constraints?.count ?? 20;
  resource.constraints = { ...resource.constraints, totalResults: matched.length };
  return matched.slice(0, startIndex - 1 + count);
}

function notFound(id) {
  return new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);
}

SCIMMY.Resources.declare(SCIMMY.Resources.User)
  .extend(SCIMMY.Schemas.EnterpriseUser, false)
  .ingress((resource, instance) => {
    const body = clone(instance);
    const fold = String(body.userName).toLowerCase();
    const holder = userIdByName.get(fold);
    if (holder !== undefined && holder !== resource.id) {
      throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${body.userName} is already taken`);
    }
    const now = new Date().toISOString();
    if (resource.id) {
      const existing = users.get(resource.id);
      if (!existing) throw notFound(resource.id);
      userIdByName.delete(String(existing.userName).toLowerCase());
      const updated = { ...body, id: resource.id, meta: { ...existing.meta, lastModified: now } };
      users.set(resource.id, updated);
      userIdByName.set(fold, resource.id);
      return updated;
    }
    const id = `u-${process.pid}-${++sequence}`;
    putUser(id, body, now);
    return users.get(id);
  })
  .egress((resource) => {
    if (resource.id) {
      const user = users.get(resource.id);
      if (!user) throw notFound(resource.id);
      return user;
    }
    const name = userNameEquality(resource.filter);
    if (name !== undefined) {
      const id = userIdByName.get(name.toLowerCase());
      return page(resource, id === undefined ? [] : [users.get(id)]);
    }
    const all = [...users.values()];
    return page(resource, resource.filter ? resource.filter.match(all) : all);
  })
  .degress((resource) => {
    const user = users.get(resource.id);
    if (!user) throw notFound(resource.id);
    users.delete(resource.id);
    userIdByName.delete(String(user.userName).toLowerCase());
    for (const group of groups.values()) group.members = group.members.filter((m) => m.value !== resource.id);
  });

SCIMMY.Resources.declare(SCIMMY.Resources.Group)
  .ingress((resource, instance) => {
    const body = clone(instance);
    const now = new Date().toISOString();
    const members = (body.members ?? []).map((m) => {
      const user = users.get(m.value);
      if (!user) throw new SCIMMY.Types.Error(400, 'invalidValue', `member ${m.value} does not exist`);
      return { value: m.value, display: user.displayName, type: 'User' };
    });
    if (resource.id) {
      const existing = groups.get(resource.id);
      if (!existing) throw notFound(resource.id);
      const updated = { ...body, members, id: resource.id, meta: { ...existing.meta, lastModified: now } };
      groups.set(resource.id, updated);
      return updated;
    }
    const id = `g-${process.pid}-${++sequence}`;
    groups.set(id, { ...body, members, id, meta: meta('Group', now) });
    return groups.get(id);
  })
  .egress((resource) => {
    if (resource.id) {
      const group = groups.get(resource.id);
      if (!group) throw notFound(resource.id);
      return group;
    }
    const all = [...groups.values()];
    return page(resource, resource.filter ? resource.filter.match(all) : all);
  })
  .degress((resource) => {
    if (!groups.delete(resource.id)) throw notFound(resource.id);
  });

seed();

const app = express();
app.set('query parser', (query) => {
  const params = Object.fromEntries(new URLSearchParams(query));
  for (const key of ['startIndex', 'count']) {
    if (key in params && /^-?\d+$/.test(params[key])) params[key] = Number(params[key]);
  }
  return params;
});
app.use(
  '/scim/v2',
  new SCIMMYRouters({
    type: 'bearer',
    docUri: 'https://example.com/help/bearer.html',
    handler: (request) => {
      if (request.header('Authorization') !== `Bearer ${token}`) throw new Error('Authorization not detected!');
      return 'bench';
    },
  }),
);

const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
