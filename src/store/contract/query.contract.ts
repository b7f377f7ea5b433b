/** Contract: query — filters, paging, counting and ordering (RFC 7644 §3.4.2). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAttrPath } from '../../scim/filter/parse.js';
import { URN } from '../../scim/schema/urns.js';
import type { ResourceQuery } from '../store.js';
import {
  at,
  checkedFilter,
  groupBody,
  ids,
  insert,
  type OpenStore,
  tenantRecord,
  userBody,
  withTenants,
} from '../test-support/fixtures.js';
import { seedDirectory } from '../test-support/seed.js';

const page = (query: Partial<ResourceQuery> = {}): ResourceQuery => ({ startIndex: 1, count: 100, ...query });

export function queryContract(open: OpenStore): void {
  describe('query', () => {
    it('orders by created then id, pages, and counts', async () => {
      await withTenants(open, async (a) => {
        await seedDirectory(a);
        const all = await a.query('User', page());
        assert.equal(all.totalResults, 5);
        assert.deepEqual(ids(all.resources), ['u4', 'u2', 'u5', 'u1', 'u3']);
        assert.deepEqual(ids((await a.query('User', page({ startIndex: 2, count: 2 }))).resources), ['u2', 'u5']);
        const none = await a.query('User', page({ count: 0 }));
        assert.deepEqual([none.totalResults, none.resources.length], [5, 0]);
        const past = await a.query('User', page({ startIndex: 9, count: 3 }));
        assert.deepEqual([past.totalResults, past.resources.length], [5, 0]);
        assert.deepEqual(ids((await a.query('Group', page())).resources), ['g1', 'g2']);
      });
    });

    it('answers each filter with its own values, also when filters of one shape follow each other', async () => {
      // SQL backends compile a statement once per filter shape (template.ts): the values of one
      // call must never leak into the next.
      await withTenants(open, async (a) => {
        await seedDirectory(a);
        const run = async (filter: string) =>
          ids((await a.query('User', page({ filter: checkedFilter('User', filter) }))).resources);
        for (let round = 0; round < 2; round++) {
          assert.deepEqual(await run('userName eq "älice"'), ['u2']);
          assert.deepEqual(await run('userName eq "bjensen@example.com"'), ['u1']);
          assert.deepEqual(await run('userName eq "nobody"'), []);
          assert.deepEqual(await run('title eq "tour guide" and active eq true'), ['u1']);
          assert.deepEqual(await run('title eq "ceo" and active eq true'), ['u3']);
          assert.deepEqual(await run('title eq "tour guide" and active eq false'), []);
        }
      });
    });

    it('breaks ties on created by id', async () => {
      await withTenants(open, async (a) => {
        for (const id of ['c', 'a', 'b']) await insert(a, 'Group', id, groupBody(`G${id}`), at(0));
        assert.deepEqual(ids((await a.query('Group', page())).resources), ['a', 'b', 'c']);
      });
    });

    const cases: [string, string, string[]][] = [
      ['User', 'userName eq "älice"', ['u2']],
      ['User', 'USERNAME Eq "BJENSEN@EXAMPLE.COM"', ['u1']],
      ['User', 'userName sw "dave_1"', ['u4']],
      ['User', 'userName co "_100%"', ['u4']],
      ['User', 'userName ew "%"', ['u4']],
      ['User', 'userName co "%"', ['u4']],
      ['User', 'userName co "j_n"', []],
      ['User', 'userName sw "BJ%"', []],
      ['User', 'externalId eq "ext-1"', ['u1']],
      ['User', 'displayName eq "ALICE"', ['u2']],
      ['User', 'title eq "tour guide"', ['u5', 'u1']],
      ['User', 'title pr', ['u5', 'u1', 'u3']],
      ['User', 'title eq null', ['u4', 'u2']],
      ['User', 'title ne "ceo"', ['u4', 'u2', 'u5', 'u1']],
      ['User', 'title lt "d"', ['u3']],
      ['User', 'title gt ""', ['u5', 'u1', 'u3']],
      ['User', 'active eq false', ['u2']],
      ['User', 'not (active eq true)', ['u4', 'u2', 'u5']],
      ['User', 'emails.value ew "@work.com"', ['u2', 'u1']],
      ['User', 'emails co "HOME"', ['u5', 'u1']],
      ['User', 'emails[type eq "work" and value sw "b@"]', ['u1']],
      ['User', 'emails[type eq "home"] and not (emails[type eq "work"])', ['u5']],
      ['User', 'emails[not (type eq "work")]', ['u5', 'u1']],
      ['User', 'emails pr or title eq "ceo"', ['u2', 'u5', 'u1', 'u3']],
      ['User', `${URN.enterpriseUser}:department eq "sales"`, ['u1']],
      ['User', 'department co "&"', ['u3']],
      ['User', 'meta.created gt "2024-01-01T00:00:02Z"', ['u1', 'u3']],
      ['User', 'meta.lastModified le "2024-01-01T01:00:01+01:00"', ['u4', 'u2']],
      ['User', 'meta.resourceType eq "User" and id eq "u3"', ['u3']],
      ['User', 'groups.value eq "G1"', ['u2', 'u1']],
      ['User', 'groups[display eq "admins"]', ['u3']],
      ['User', 'groups pr', ['u2', 'u1', 'u3']],
      ['User', 'nickName pr or unknownAttr eq "x"', []],
      ['User', 'unknownAttr ne "x"', ['u4', 'u2', 'u5', 'u1', 'u3']],
      ['Group', 'displayName eq "sales"', ['g1']],
      ['Group', 'members.value eq "u3"', ['g2']],
      ['Group', 'members[type eq "group" and display eq "SALES"]', ['g2']],
      ['Group', 'members.display sw "ALI"', ['g1']],
      ['Group', 'not (members pr)', []],
    ];
    for (const [type, text, expected] of cases) {
      it(`filters ${type}s: ${text}`, async () => {
        await withTenants(open, async (a, b) => {
          await seedDirectory(a);
          await seedDirectory(b);
          const filter = checkedFilter(type as 'User' | 'Group', text);
          const result = await a.query(type as 'User' | 'Group', page({ filter }));
          assert.deepEqual(ids(result.resources), expected);
          assert.equal(result.totalResults, expected.length);
        });
      });
    }

    const sorts: [string, 'ascending' | 'descending' | undefined, string[]][] = [
      ['userName', undefined, ['u1', 'u3', 'u4', 'u5', 'u2']],
      ['userName', 'descending', ['u2', 'u5', 'u4', 'u3', 'u1']],
      ['title', 'ascending', ['u3', 'u1', 'u5', 'u2', 'u4']],
      ['title', 'descending', ['u2', 'u4', 'u1', 'u5', 'u3']],
      ['emails', 'ascending', ['u2', 'u1', 'u5', 'u3', 'u4']],
      ['emails.type', 'ascending', ['u1', 'u5', 'u2', 'u3', 'u4']],
      ['active', 'descending', ['u4', 'u5', 'u1', 'u3', 'u2']],
      ['meta.created', 'descending', ['u3', 'u1', 'u5', 'u2', 'u4']],
      ['groups.display', 'ascending', ['u3', 'u1', 'u2', 'u4', 'u5']],
      ['noSuchAttribute', 'ascending', ['u1', 'u2', 'u3', 'u4', 'u5']],
    ];
    for (const [sortBy, sortOrder, expected] of sorts) {
      it(`sorts by ${sortBy} ${sortOrder ?? '(default ascending)'}, absent values last ascending`, async () => {
        await withTenants(open, async (a) => {
          await seedDirectory(a);
          const result = await a.query('User', page({ sortBy: parseAttrPath(sortBy), sortOrder }));
          assert.deepEqual(ids(result.resources), expected);
          const second = await a.query(
            'User',
            page({ sortBy: parseAttrPath(sortBy), sortOrder, startIndex: 4, count: 2 }),
          );
          assert.deepEqual(ids(second.resources), expected.slice(3, 5));
        });
      });
    }

    it('keeps the unfiltered totalResults exact under concurrent writers, rollbacks and tenant deletion', async () => {
      // SQL stores read an unfiltered count from a table that triggers keep (0009-store-costs);
      // a filter that matches every resource still counts rows: the two must always agree.
      await withTenants(open, async (a, b, store) => {
        const everyone = checkedFilter('User', 'id pr');
        const counts = async (tenant: typeof a) => {
          const [kept, counted] = await Promise.all([
            tenant.query('User', page({ count: 0 })),
            tenant.query('User', page({ filter: everyone, count: 0 })),
          ]);
          return [kept.totalResults, counted.totalResults];
        };
        const failure = new Error('rolled back on purpose');
        const writers = Array.from({ length: 24 }, (_, i) =>
          a
            .transaction(async (tx) => {
              await tx.insertResource({ id: `c${i}`, resourceType: 'User', body: userBody(`c${i}`), now: at(i) });
              if (i % 3 === 0)
                await tx.insertResource({ id: `d${i}`, resourceType: 'User', body: userBody(`d${i}`), now: at(i) });
              if (i % 4 === 1) throw failure;
            })
            .catch((error: unknown) => {
              if (error !== failure) throw error;
            }),
        );
        writers.push(insert(b, 'User', 'other', userBody('other')).then(() => undefined));
        await Promise.all(writers);
        // 24 first creates and 8 second ones (i % 3 = 0); the 6 units with i % 4 = 1 rolled back, two
        // of them (9, 21) with a second create.
        const expected = 24 + 8 - 6 - 2;
        assert.deepEqual(await counts(a), [expected, expected]);
        assert.deepEqual(await counts(b), [1, 1]);

        await Promise.all([0, 2, 3, 4].map((i) => a.transaction((tx) => tx.deleteResource('User', `c${i}`))));
        await a.transaction(async (tx) => {
          await tx.deleteResource('User', 'd0');
          await tx.deleteResource('User', 'no-such-user');
        });
        await a
          .transaction(async (tx) => {
            await tx.deleteResource('User', 'c6');
            throw failure;
          })
          .catch((error: unknown) => {
            if (error !== failure) throw error;
          });
        assert.deepEqual(await counts(a), [expected - 5, expected - 5]);
        assert.equal((await a.query('Group', page({ count: 0 }))).totalResults, 0);

        await store.tenants.delete(b.tenantId);
        await store.tenants.create({ ...tenantRecord(b.tenantId, 'b2') });
        assert.deepEqual(await counts(store.forTenant(b.tenantId)), [0, 0]);
      });
    });
  });
}
