import Database from 'better-sqlite3';
import { checkFilter } from '../src/scim/filter/check.js';
import { parseFilter } from '../src/scim/filter/parse.js';
import { USER_RESOURCE_TYPE } from '../src/scim/schema/registry.js';
import { openStore } from '../src/store/open.js';

const orig = (Database as any).prototype.prepare;
let log = false;
(Database as any).prototype.prepare = function (s: string) {
  if (log) console.log('SQL:', s);
  return orig.call(this, s);
};
const store = await openStore(`file:${process.argv[2]}`);
const tenant = store.forTenant(process.argv[3]!);
for (const f of [
  'title eq "TITLE 99993"',
  'name.familyName co "mily99993"',
  'emails[type eq "work" and value eq "USER99993@bench.example"]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "dept 7"',
  'title sw "nobody"',
]) {
  log = true;
  let t = performance.now();
  const q = () =>
    tenant.query('User', { filter: checkFilter(parseFilter(f), USER_RESOURCE_TYPE), startIndex: 1, count: 100 });
  let r = await q();
  log = false;
  const times = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    r = await q();
    times.push(performance.now() - t);
  }
  console.log(f, r.totalResults, times.map((x) => x.toFixed(1)).join(' '));
}
await store.close();
