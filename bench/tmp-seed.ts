import { openStore } from '../src/store/open.js';
import { createTenant } from '../src/tenancy/tenants.js';
import { createBenchTenant, seedSqliteTenants } from './seed/scimd.js';

const file = process.argv[2]!;
const size = Number(process.argv[3]);
const url = `file:${file}`;
const { tenantId } = await createBenchTenant(url);
const store = await openStore(url);
const other = await createTenant(store, { slug: 'other', name: 'Other' }, new Date());
await store.close();
seedSqliteTenants(file, [tenantId, other.id], size);
console.log(tenantId, other.id);
