/**
 * scimd's public API for vendors who embed it in their own Node server (`import … from 'scimd'`).
 * Listed by name on purpose (no `export *`): everything else is internal and may change.
 */
export { type Config, ConfigError, loadConfig } from './config/config.js';
export type { EventHandler, Subscription } from './events/consumer.js';
export { subscribe } from './events/consumer.js';
export type { EventJson } from './events/event-json.js';
export { verifyWebhook } from './events/signing.js';
export { type AppOptions, buildApp } from './http/app.js';
export { ScimError } from './scim/errors.js';
export { createRegistry, type SchemaRegistry } from './scim/schema/registry.js';
export { type RunningServer, startServer } from './server.js';
export { type OpenStoreOptions, openStore } from './store/open.js';
export type { Store } from './store/store.js';
