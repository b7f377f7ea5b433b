/**
 * The troubleshooting table of the setup guide: the errors a customer's admin actually sees in
 * Test Connection and the provisioning logs (shared/reference/entra.md §2, §5, §8, §10), what
 * each means with scimd on the other side, and what to do. Each row has a stable id, so the
 * console and the setup portal can show the very row a failed request matches (diagnose.ts):
 * one text, rendered in the guide and next to the log entry alike. Pure.
 */
import { type Block, code, type GuideInput, type Section, strong, type Text, value } from './model.js';

/** The stable ids of the rows, in table order. */
export const TROUBLESHOOTING_IDS = [
  'unauthorized',
  'wrong-tenant-url',
  'uniqueness',
  'invalid-filter',
  'role-not-allowed',
  'invalid-value',
  'too-large',
  'too-many-requests',
  'invalid-anchor',
  'quarantine',
  'one-role-expected',
  'not-assigned',
] as const;

export type TroubleshootingId = (typeof TROUBLESHOOTING_IDS)[number];

/** One row: what the admin sees, what it means, what to do. */
export interface TroubleshootingRow {
  readonly id: TroubleshootingId;
  readonly symptom: Text;
  readonly meaning: Text;
  readonly action: Text;
}

/** The HTML anchor of a row inside the guide (`<tr id="…">`). */
export const troubleshootingAnchor = (id: TroubleshootingId): string => `troubleshooting-${id}`;

function roleAction(input: GuideInput): Text {
  const allowed = input.roles.map((r) => r.value);
  return allowed.length > 0
    ? [
        'Assign one of: ',
        ...allowed.flatMap((v, i) => [...(i > 0 ? [', '] : []), code(v)]),
        '. Ask your vendor if you need another role.',
      ]
    : ['Your vendor has not enabled any role for your organisation yet: remove the role mapping or ask your vendor.'];
}

/** The rows, in table order (TROUBLESHOOTING_IDS). */
export function troubleshootingRows(input: GuideInput): readonly TroubleshootingRow[] {
  const rows: Record<TroubleshootingId, Omit<TroubleshootingRow, 'id'>> = {
    unauthorized: {
      symptom: ['Test Connection fails: invalid credentials / ', code('401 Unauthorized')],
      meaning: ['The Secret Token is wrong, was revoked, or has expired.'],
      action: [
        'Paste the token again, exactly, without spaces or a "Bearer " prefix. If it still fails, ask your vendor for a new token.',
      ],
    },
    'wrong-tenant-url': {
      symptom: ['Test Connection fails with ', code('404'), ' or ', code('ServiceIncompatible')],
      meaning: ['The Tenant URL is not the one for your organisation.'],
      action: ['Enter the Tenant URL exactly as ', code(input.scimUrl), '.'],
    },
    uniqueness: {
      symptom: [code('Conflict'), ' (HTTP 409, ', code('uniqueness'), ')'],
      meaning: [
        'The application already has a user with the same userName (compared ignoring case) that Entra did not match.',
      ],
      action: [
        'Entra retries later by itself. If it persists, check for two Entra users whose user principal names differ only in case, or ask your vendor to remove the stale user.',
      ],
    },
    'invalid-filter': {
      symptom: [code('400 invalidFilter')],
      meaning: [
        'Entra looked a user or group up with a filter the application cannot run: usually a custom attribute mapping whose matching attribute (',
        strong('Match objects using this attribute'),
        ') or expression the application does not support.',
      ],
      action: [
        'Under ',
        strong('Mappings'),
        ', open ',
        strong('Provision Microsoft Entra ID Users'),
        ': keep ',
        code('userName'),
        ' the only attribute with ',
        strong('Match objects using this attribute'),
        ' set to ',
        strong('Yes'),
        ' (for groups: ',
        code('displayName'),
        '). Ask your vendor before matching on a custom attribute.',
      ],
    },
    'role-not-allowed': {
      symptom: [code('400 invalidValue'), ' mentioning ', code('roles')],
      meaning: ['The user’s role is not one your organisation may assign in the application.'],
      action: roleAction(input),
    },
    'invalid-value': {
      symptom: [code('400 invalidValue'), ' about another attribute'],
      meaning: [
        'An attribute’s value has a form the application does not accept; the error detail names the attribute.',
      ],
      action: [
        'Correct the value of that attribute on the user or group in Entra, or the expression that maps it under ',
        strong('Mappings'),
        ', then use ',
        strong('Provision on demand'),
        ' to try again.',
      ],
    },
    'too-large': {
      symptom: [code('413 Payload Too Large'), ' / request too large'],
      meaning: [
        'One request was larger than the application accepts: most often a group with very many members sent in one request, or an attribute with a very large value.',
      ],
      action: [
        'Remove the mapping of unusually large attributes (such as photos or long texts) under ',
        strong('Mappings'),
        '. For a very large group, ask your vendor to raise the request size limit, or assign its members through smaller groups.',
      ],
    },
    'too-many-requests': {
      symptom: [code('TooManyRequests'), ' (HTTP 429)'],
      meaning: ['The application asked Entra to slow down.'],
      action: ['Nothing: Entra retries automatically. Tell your vendor if it appears in every cycle.'],
    },
    'invalid-anchor': {
      symptom: [code('InvalidAnchor')],
      meaning: ['The user was deleted in the application outside provisioning.'],
      action: [
        'Select ',
        strong('Restart provisioning'),
        ' in the Provisioning overview: Entra matches and creates users again.',
      ],
    },
    quarantine: {
      symptom: ['Provisioning job in ', strong('quarantine')],
      meaning: [
        'Repeated failures, most often a token that expired or was revoked. Entra then runs only once a day and disables the job after four weeks.',
      ],
      action: [
        'Fix the cause (for example enter a new Secret Token and select Test Connection), then select ',
        strong('Restart provisioning'),
        '.',
      ],
    },
    'one-role-expected': {
      symptom: [code('No more than one app role assignment was expected')],
      meaning: ['The one-role mapping is used and the user holds several roles.'],
      action: [
        'Give the user a single role, or switch to the several-roles mapping ',
        code('AppRoleAssignmentsComplex([appRoleAssignments])'),
        ' (step 3).',
      ],
    },
    'not-assigned': {
      symptom: ['A user is never created'],
      meaning: ['The user is not assigned to the application, or is outside the scope.'],
      action: [
        'Assign the user (or a group they are in) under ',
        strong('Users and groups'),
        '; use ',
        strong('Provision on demand'),
        ' to test one user right away.',
      ],
    },
  };
  return TROUBLESHOOTING_IDS.map((id) => ({ id, ...rows[id] }));
}

export function troubleshootingSection(input: GuideInput): Section {
  const rows = troubleshootingRows(input);
  const table: Block = {
    kind: 'table',
    headers: ['What you see', 'What it means', 'What to do'],
    rows: rows.map((row) => [row.symptom, row.meaning, row.action]),
    rowIds: rows.map((row) => troubleshootingAnchor(row.id)),
  };
  return {
    id: 'troubleshooting',
    title: 'Troubleshooting',
    blocks: [
      {
        kind: 'paragraph',
        text: [
          'Open ',
          strong('Provisioning logs'),
          ' and select a failed entry to see its error code. For ',
          value(input.tenant.name),
          ':',
        ],
      },
      table,
    ],
  };
}
