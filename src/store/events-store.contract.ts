/**
 * The outbox, endpoint and provisioning-log contracts (events-port.ts) as one suite: every Store
 * implementation runs it unchanged, like `runStoreContract`. `open` must return a fresh, empty
 * store each call; the suite closes it.
 */
import { describe } from 'node:test';
import { endpointsContract } from './contract/endpoints.contract.js';
import { eventsContract } from './contract/events.contract.js';
import { requestLogContract } from './contract/request-log.contract.js';
import type { Store } from './store.js';

export function runEventContracts(name: string, open: () => Promise<Store>): void {
  describe(`Events contract: ${name}`, () => {
    eventsContract(open);
    endpointsContract(open);
    requestLogContract(open);
  });
}
