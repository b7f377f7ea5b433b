/**
 * The troubleshooting table of the setup guide: the errors a customer's admin actually sees in
 * Test Connection and the provisioning logs (shared/reference/entra.md §2, §5, §8, §10), what
 * each means with scimd on the other side, and what to do. Pure.
 */
import { type Block, code, type GuideInput, type Section, strong, type Text, value } from './model.js';

type Row = readonly [symptom: Text, meaning: Text, action: Text];

function rows(input: GuideInput): Row[] {
  const allowed = input.roles.map((r) => r.value);
  return [
    [
      ['Test Connection fails: invalid credentials / ', code('401 Unauthorized')],
      ['The Secret Token is wrong, was revoked, or has expired.'],
      [
        'Paste the token again, exactly, without spaces or a "Bearer " prefix. If it still fails, ask your vendor for a new token.',
      ],
    ],
    [
      ['Test Connection fails with ', code('404'), ' or ', code('ServiceIncompatible')],
      ['The Tenant URL is not the one for your organisation.'],
      ['Enter the Tenant URL exactly as ', code(input.scimUrl), '.'],
    ],
    [
      [code('Conflict'), ' (HTTP 409, ', code('uniqueness'), ')'],
      ['The application already has a user with the same userName (compared ignoring case) that Entra did not match.'],
      [
        'Entra retries later by itself. If it persists, check for two Entra users whose user principal names differ only in case, or ask your vendor to remove the stale user.',
      ],
    ],
    [
      [code('InvalidAnchor')],
      ['The user was deleted in the application outside provisioning.'],
      [
        'Select ',
        strong('Restart provisioning'),
        ' in the Provisioning overview: Entra matches and creates users again.',
      ],
    ],
    [
      [code('TooManyRequests'), ' (HTTP 429)'],
      ['The application asked Entra to slow down.'],
      ['Nothing: Entra retries automatically. Tell your vendor if it appears in every cycle.'],
    ],
    [
      ['Provisioning job in ', strong('quarantine')],
      [
        'Repeated failures, most often a token that expired or was revoked. Entra then runs only once a day and disables the job after four weeks.',
      ],
      [
        'Fix the cause (for example enter a new Secret Token and select Test Connection), then select ',
        strong('Restart provisioning'),
        '.',
      ],
    ],
    [
      [code('No more than one app role assignment was expected')],
      ['The one-role mapping is used and the user holds several roles.'],
      [
        'Give the user a single role, or switch to the several-roles mapping ',
        code('AppRoleAssignmentsComplex([appRoleAssignments])'),
        ' (step 3).',
      ],
    ],
    [
      [code('400 invalidValue'), ' mentioning ', code('roles')],
      ['The user’s role is not one your organisation may assign in the application.'],
      allowed.length > 0
        ? [
            'Assign one of: ',
            ...allowed.flatMap((v, i) => [...(i > 0 ? [', '] : []), code(v)]),
            '. Ask your vendor if you need another role.',
          ]
        : [
            'Your vendor has not enabled any role for your organisation yet: remove the role mapping or ask your vendor.',
          ],
    ],
    [
      ['A user is never created'],
      ['The user is not assigned to the application, or is outside the scope.'],
      [
        'Assign the user (or a group they are in) under ',
        strong('Users and groups'),
        '; use ',
        strong('Provision on demand'),
        ' to test one user right away.',
      ],
    ],
  ];
}

export function troubleshootingSection(input: GuideInput): Section {
  const table: Block = {
    kind: 'table',
    headers: ['What you see', 'What it means', 'What to do'],
    rows: rows(input).map((row) => [...row]),
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
