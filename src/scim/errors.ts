/**
 * The one SCIM error type and the named factories that build it.
 *
 * Every protocol violation is thrown as a `ScimError`; the HTTP layer renders it as the
 * `urn:ietf:params:scim:api:messages:2.0:Error` message (RFC 7644 §3.12). The legal
 * status/scimType pairs live in `ERROR_CATALOGUE`, which docs/errors.md mirrors (a test keeps
 * the two in sync).
 */

/** scimType values defined by RFC 7644 §3.12 (plus RFC 9865's cursor errors). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor';

export interface ScimErrorOptions {
  scimType?: ScimType;
  /** Extra response headers, e.g. WWW-Authenticate on 401, Retry-After on 429. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, options: ScimErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScimError';
    this.status = status;
    this.scimType = options.scimType;
    this.headers = options.headers ?? {};
  }

  get detail(): string {
    return this.message;
  }
}

export function isScimError(value: unknown): value is ScimError {
  return value instanceof ScimError;
}

/** Status and scimType for each factory below: the documented catalogue (docs/errors.md). */
export const ERROR_CATALOGUE = {
  invalidFilter: { status: 400, scimType: 'invalidFilter' },
  tooMany: { status: 400, scimType: 'tooMany' },
  uniqueness: { status: 409, scimType: 'uniqueness' },
  mutability: { status: 400, scimType: 'mutability' },
  invalidSyntax: { status: 400, scimType: 'invalidSyntax' },
  invalidPath: { status: 400, scimType: 'invalidPath' },
  noTarget: { status: 400, scimType: 'noTarget' },
  invalidValue: { status: 400, scimType: 'invalidValue' },
  invalidVers: { status: 400, scimType: 'invalidVers' },
  sensitive: { status: 403, scimType: 'sensitive' },
  invalidCursor: { status: 400, scimType: 'invalidCursor' },
  expiredCursor: { status: 400, scimType: 'expiredCursor' },
  badRequest: { status: 400, scimType: undefined },
  unauthorized: { status: 401, scimType: undefined },
  forbidden: { status: 403, scimType: undefined },
  notFound: { status: 404, scimType: undefined },
  methodNotAllowed: { status: 405, scimType: undefined },
  notAcceptable: { status: 406, scimType: undefined },
  conflict: { status: 409, scimType: undefined },
  requestTimeout: { status: 408, scimType: undefined },
  preconditionFailed: { status: 412, scimType: undefined },
  payloadTooLarge: { status: 413, scimType: undefined },
  unsupportedMediaType: { status: 415, scimType: undefined },
  expectationFailed: { status: 417, scimType: undefined },
  headersTooLarge: { status: 431, scimType: undefined },
  tooManyRequests: { status: 429, scimType: undefined },
  internal: { status: 500, scimType: undefined },
  notImplemented: { status: 501, scimType: undefined },
  unavailable: { status: 503, scimType: undefined },
} as const satisfies Record<string, { status: number; scimType: ScimType | undefined }>;

export type ErrorName = keyof typeof ERROR_CATALOGUE;

function make(name: ErrorName, detail: string, options: Omit<ScimErrorOptions, 'scimType'> = {}): ScimError {
  const entry = ERROR_CATALOGUE[name];
  return new ScimError(entry.status, detail, { ...options, scimType: entry.scimType });
}

type Factory = (detail: string, options?: Omit<ScimErrorOptions, 'scimType'>) => ScimError;
const factory =
  (name: ErrorName): Factory =>
  (detail, options) =>
    make(name, detail, options);

export const invalidFilter = factory('invalidFilter');
export const tooMany = factory('tooMany');
export const uniqueness = factory('uniqueness');
export const mutability = factory('mutability');
export const invalidSyntax = factory('invalidSyntax');
export const invalidPath = factory('invalidPath');
export const noTarget = factory('noTarget');
export const invalidValue = factory('invalidValue');
export const invalidVers = factory('invalidVers');
export const sensitive = factory('sensitive');
export const invalidCursor = factory('invalidCursor');
export const expiredCursor = factory('expiredCursor');
export const badRequest = factory('badRequest');
export const forbidden = factory('forbidden');
export const notFound = factory('notFound');
export const methodNotAllowed = factory('methodNotAllowed');
export const notAcceptable = factory('notAcceptable');
export const conflict = factory('conflict');
export const requestTimeout = factory('requestTimeout');
export const preconditionFailed = factory('preconditionFailed');
export const payloadTooLarge = factory('payloadTooLarge');
export const unsupportedMediaType = factory('unsupportedMediaType');
export const expectationFailed = factory('expectationFailed');
export const headersTooLarge = factory('headersTooLarge');
export const tooManyRequests = factory('tooManyRequests');
export const internal = factory('internal');
export const notImplemented = factory('notImplemented');
export const unavailable = factory('unavailable');

/**
 * 401 with the RFC 6750 challenge. The detail never says whether the tenant or token exists.
 */
export function unauthorized(detail = 'Authentication is required: send a valid bearer token.'): ScimError {
  return make('unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer realm="scimd"' } });
}
