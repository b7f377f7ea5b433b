/** A small, varied directory used by the query contract and the SQL golden tests. */
import { URN } from '../../scim/schema/urns.js';
import type { TenantStore } from '../store.js';
import { at, groupBody, insert, userBody } from './fixtures.js';

/** Five users created one second apart (u1 first), two groups. */
export async function seedDirectory(t: TenantStore): Promise<void> {
  const enterprise = (department: string) => ({
    schemas: [URN.user, URN.enterpriseUser],
    [URN.enterpriseUser]: { department },
  });
  const users = [
    userBody('bjensen@example.com', {
      displayName: 'Barbara',
      title: 'Tour Guide',
      active: true,
      externalId: 'ext-1',
      emails: [
        { value: 'b@work.com', type: 'work' },
        { value: 'b@home.org', type: 'home', primary: true },
      ],
      ...enterprise('Sales'),
    }),
    userBody('ÄLICE', { displayName: 'Alice', active: false, emails: [{ value: 'alice@work.com', type: 'work' }] }),
    userBody('carol', { title: 'CEO', active: true, externalId: 'EXT-1', ...enterprise('R&D') }),
    userBody('dave_100%', { title: '', displayName: 'dave' }),
    userBody('Ernie', { title: 'tour guide', emails: [{ value: 'ernie@home.org', type: 'home' }] }),
  ];
  // Insert out of id order so the default order visibly follows `created`.
  const order = [3, 1, 4, 0, 2];
  for (const [seconds, i] of order.entries()) await insert(t, 'User', `u${i + 1}`, users[i]!, at(seconds));
  await insert(t, 'Group', 'g1', groupBody('Sales'), at(10));
  await insert(t, 'Group', 'g2', groupBody('Admins'), at(11));
  await t.transaction(async (tx) => {
    await tx.addMembers('g1', [
      { value: 'u1', type: 'User' },
      { value: 'u2', type: 'User' },
    ]);
    await tx.addMembers('g2', [
      { value: 'u3', type: 'User' },
      { value: 'g1', type: 'Group' },
    ]);
  });
}
