/**
 * Protocol messages (RFC 7644 §3.4.2 ListResponse, §3.12 Error).
 */
import type { ScimError } from './errors.js';
import { URN } from './schema/urns.js';

export interface ListResponse {
  schemas: [typeof URN.listResponse];
  totalResults: number;
  startIndex?: number;
  itemsPerPage?: number;
  Resources: unknown[];
}

export function listResponse(
  resources: unknown[],
  totalResults: number,
  page?: { startIndex: number; itemsPerPage: number },
): ListResponse {
  return {
    schemas: [URN.listResponse],
    totalResults,
    ...(page ? { startIndex: page.startIndex, itemsPerPage: page.itemsPerPage } : {}),
    Resources: resources,
  };
}

export interface ErrorMessage {
  schemas: [typeof URN.error];
  /** RFC 7644 §3.12: the HTTP status code as a JSON string. */
  status: string;
  scimType?: string;
  detail: string;
}

export function errorMessage(error: ScimError): ErrorMessage {
  return {
    schemas: [URN.error],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.detail,
  };
}
