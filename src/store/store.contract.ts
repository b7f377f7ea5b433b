/**
 * The storage port's contract suite: every Store implementation (memory, SQLite, and later
 * PostgreSQL) runs it unchanged (ARCHITECTURE.md principle 10). `open` must return a fresh,
 * empty store each call; the suite closes it.
 */
import { describe } from 'node:test';
import { consoleContract } from './contract/console.contract.js';
import { isolationContract } from './contract/isolation.contract.js';
import { membersContract } from './contract/members.contract.js';
import { queryContract } from './contract/query.contract.js';
import { resourcesContract } from './contract/resources.contract.js';
import { rolesContract } from './contract/roles.contract.js';
import { tenantsContract } from './contract/tenants.contract.js';
import type { Store } from './store.js';

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    tenantsContract(open);
    resourcesContract(open);
    membersContract(open);
    isolationContract(open);
    queryContract(open);
    rolesContract(open);
    consoleContract(open);
  });
}
