/**
 * The floor: the least any SCIM server must do for Entra's Test Connection request. A bare
 * Fastify route (no logging) that checks the bearer token the way scimd does (SHA-256 of the
 * presented token, looked up among the stored hashes) and answers a small SCIM JSON body.
 * No storage, no filter parsing: whatever scimd spends above this is the cost of SCIM.
 *
 * Environment: BENCH_TOKEN, BENCH_PORT (0 for any free port). Prints `listening on <url>`.
 */
import { createHash } from 'node:crypto';
import Fastify from 'fastify';

const token = process.env.BENCH_TOKEN ?? '';
const port = Number(process.env.BENCH_PORT ?? '0');
const sha256 = (value) => createHash('sha256').update(value, 'utf8').digest('hex');
const tenantsByTokenHash = new Map([[sha256(token), 'bench']]);

const EMPTY_LIST = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 0,
  startIndex: 1,
  itemsPerPage: 0,
  Resources: [],
};
const UNAUTHORIZED = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
  status: '401',
  detail: 'Authentication failed.',
};

const app = Fastify({ logger: false });
app.get('/scim/v2/Users', async (request, reply) => {
  const header = request.headers.authorization ?? '';
  const tenant = header.startsWith('Bearer ') ? tenantsByTokenHash.get(sha256(header.slice(7))) : undefined;
  reply.type('application/scim+json');
  if (tenant === undefined) return reply.code(401).send(UNAUTHORIZED);
  return EMPTY_LIST;
});

const url = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening on ${url}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
