/**
 * Seeds a tenant through the SCIM API (so its events exist too): users, groups with members,
 * an update. Returns the ids.
 */
import assert from 'node:assert/strict';
import { CORE_GROUP, CORE_USER, PATCH_OP } from './generators.js';

export interface Seeded {
  readonly users: string[];
  readonly groups: string[];
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

export async function seedTenant(port: number, slug: string, token: string, users = 4): Promise<Seeded> {
  const seeded: Seeded = { users: [], groups: [] };
  for (let i = 0; i < users; i++) {
    const created = await scimRequest(port, slug, token, 'POST', '/Users', {
      schemas: [CORE_USER],
      userName: `${slug}.user${i}@example.com`,
      externalId: `${slug}-${i}`,
      name: { givenName: 'Seed', familyName: `User${i}` },
      emails: [{ type: 'work', primary: true, value: `${slug}.user${i}@example.com` }],
      active: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    seeded.users.push(String(created.body.id));
  }
  for (let i = 0; i < 2; i++) {
    const created = await scimRequest(port, slug, token, 'POST', '/Groups', {
      schemas: [CORE_GROUP],
      displayName: `${slug} group ${i}`,
      members: seeded.users.slice(i).map((value) => ({ value })),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    seeded.groups.push(String(created.body.id));
  }
  const patched = await scimRequest(port, slug, token, 'PATCH', `/Users/${seeded.users[0]}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'title', value: 'Seeded' }],
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  return seeded;
}
