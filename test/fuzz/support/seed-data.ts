/**
 * Seeds a tenant through the SCIM API (so its events exist too): users, groups with members,
 * an update. Returns the ids.
 */
import assert from 'node:assert/strict';
import { CORE_GROUP, CORE_USER, PATCH_OP } from './urns.js';

export interface Seeded {
  readonly users: string[];
  readonly groups: string[];
  /** Every string value the seed wrote that names the tenant's data (userNames, names, titles…). */
  readonly values: string[];
}

export async function scimRequest(
  port: number,
  slug: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await fetch(`http://127.0.0.1:${port}/t/${slug}/scim/v2${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

/** `prefix` starts every value the seed writes (default: the slug), so they can be searched for. */
export async function seedTenant(port: number, slug: string, token: string, prefix = slug, users = 4): Promise<Seeded> {
  const seeded: Seeded = { users: [], groups: [], values: [] };
  for (let i = 0; i < users; i++) {
    const user = {
      schemas: [CORE_USER],
      userName: `${prefix}.user${i}@example.com`,
      externalId: `${prefix}-ext${i}`,
      name: { givenName: `${prefix}-given${i}`, familyName: `${prefix}-family${i}` },
      emails: [{ type: 'work', primary: true, value: `${prefix}.mail${i}@example.com` }],
      active: true,
    };
    seeded.values.push(
      user.userName,
      user.externalId,
      user.name.givenName,
      user.name.familyName,
      user.emails[0]!.value,
    );
    const created = await scimRequest(port, slug, token, 'POST', '/Users', user);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    seeded.users.push(String(created.body.id));
  }
  for (let i = 0; i < 2; i++) {
    const created = await scimRequest(port, slug, token, 'POST', '/Groups', {
      schemas: [CORE_GROUP],
      displayName: `${prefix} group ${i}`,
      members: seeded.users.slice(i).map((value) => ({ value })),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    seeded.groups.push(String(created.body.id));
    seeded.values.push(`${prefix} group ${i}`);
  }
  const patched = await scimRequest(port, slug, token, 'PATCH', `/Users/${seeded.users[0]}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'title', value: `${prefix}-title` }],
  });
  seeded.values.push(`${prefix}-title`);
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  return seeded;
}
