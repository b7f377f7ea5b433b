/**
 * The customer's setup guide for Microsoft Entra ID, built from one tenant's values. It follows
 * the onboarding flow of shared/reference/entra.md §1 step by step: admin consent, automatic
 * provisioning with the tenant URL and token, the role mapping, assignment and start, the
 * fallback when the consented app cannot provision, and the provisioning-log errors an admin
 * actually meets (troubleshooting.ts). Pure.
 */
import {
  type Block,
  type ConsentLink,
  code,
  type Guide,
  type GuideInput,
  list,
  note,
  paragraph,
  type Section,
  steps,
  strong,
  type Text,
  value,
} from './model.js';
import { troubleshootingSection } from './troubleshooting.js';

/** Entra's multi-tenant admin-consent endpoint (entra.md §1 step 2). */
export function adminConsentUrl(clientId: string): string {
  return `https://login.microsoftonline.com/common/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}

const SINGLE_EXPRESSION = 'SingleAppRoleAssignment([appRoleAssignments])';
const SINGLE_TARGET = 'roles[primary eq "True"].value';
const COMPLEX_EXPRESSION = 'AppRoleAssignmentsComplex([appRoleAssignments])';
const ASSERTIVE_EXPRESSION = 'AssertiveAppRoleAssignmentsComplex([appRoleAssignments])';

function consentSection(production: ConsentLink | null, test: ConsentLink | null): Section {
  const blocks: Block[] = [
    paragraph(
      'Admin consent adds your vendor’s application to your Microsoft Entra tenant as an ',
      strong('Enterprise application'),
      ', together with the app roles you will assign. Open the link below while signed in as an administrator who may grant tenant-wide consent (for example a Global Administrator or Cloud Application Administrator), review the permissions and select ',
      strong('Accept'),
      '.',
    ),
  ];
  if (production) {
    blocks.push(paragraph(strong('Production'), ' — use this link to connect your organisation to the live service:'), {
      kind: 'code',
      language: 'text',
      code: production.url,
    });
  }
  if (test) {
    blocks.push(
      paragraph(
        strong('Test'),
        ' — use this link only to try the integration against your vendor’s test environment (for example from a test Entra tenant); it creates a separate Enterprise application:',
      ),
      { kind: 'code', language: 'text', code: test.url },
    );
  }
  if (!production && !test) {
    blocks.push(
      note(
        'warning',
        'No admin-consent link is configured yet. Ask your vendor for the admin-consent link, or for the Application (client) ID of their app registration: the link is ',
        code('https://login.microsoftonline.com/common/adminconsent?client_id=<Application (client) ID>'),
        '.',
      ),
    );
  } else if (!production) {
    blocks.push(
      note(
        'warning',
        'Only the test link is configured. Ask your vendor for the production admin-consent link (the Application (client) ID of their production app registration) before going live.',
      ),
    );
  } else if (!test) {
    blocks.push(
      note('info', 'There is no separate test link: if you want to try the integration first, ask your vendor.'),
    );
  }
  blocks.push(
    paragraph(
      'If the page says the tenant cannot be determined, replace ',
      code('common'),
      ' in the link with your Directory (tenant) ID. If consent is not possible or the application cannot provision, see ',
      strong('If automatic provisioning is not available'),
      ' below.',
    ),
  );
  return { id: 'consent', title: '1. Grant admin consent', blocks };
}

function provisioningSection(input: GuideInput): Section {
  const secret: Text = input.token
    ? ['Set ', strong('Secret Token'), ' to ', code(input.token), '.']
    : [
        'Set ',
        strong('Secret Token'),
        ' to the token your vendor sent you separately (it starts with ',
        code('scimd_'),
        ').',
      ];
  return {
    id: 'provisioning',
    title: '2. Turn on automatic provisioning',
    blocks: [
      steps(
        [
          'In the Microsoft Entra admin center, open ',
          strong('Enterprise applications'),
          ' and select the application created by the consent.',
        ],
        ['Open ', strong('Provisioning'), ' (select ', strong('Get started'), ' if it is shown).'],
        ['Set ', strong('Provisioning Mode'), ' to ', strong('Automatic'), '.'],
        ['Under ', strong('Admin Credentials'), ', set ', strong('Tenant URL'), ' to ', code(input.scimUrl), '.'],
        secret,
        [
          'Select ',
          strong('Test Connection'),
          '. It should report that the supplied credentials are authorized to enable provisioning.',
        ],
        ['Select ', strong('Save'), '.'],
      ),
      input.token
        ? note(
            'warning',
            'This token is shown only once and gives access to your organisation’s users in the application. Paste it into Entra now and do not forward this guide; your vendor cannot show it again.',
          )
        : note(
            'info',
            'Paste the token exactly as you received it, without a "Bearer " prefix: Entra adds that itself.',
          ),
      note(
        'info',
        'If your token has an expiry date, ask your vendor for a new one before it expires and replace it here: an expired token puts the provisioning job into quarantine.',
      ),
    ],
  };
}

function rolesTable(input: GuideInput): Block {
  return {
    kind: 'table',
    headers: ['Role (display name)', 'Value', 'Description'],
    rows: input.roles.map((r) => [[value(r.displayName)], [code(r.value)], [value(r.description)]]),
  };
}

function mappingSection(input: GuideInput): Section {
  const blocks: Block[] = [
    paragraph(
      'The application learns each user’s role from a mapping you add once. Open ',
      strong('Provisioning'),
      ' → ',
      strong('Mappings'),
      ' → ',
      strong('Provision Microsoft Entra ID Users'),
      ' and use ',
      strong('one'),
      ' of the two options:',
    ),
    paragraph(strong('One role per user'), ' (the usual choice):'),
    steps(
      ['Select ', strong('Add New Mapping'), ' and set ', strong('Mapping type'), ' to ', strong('Expression'), '.'],
      [strong('Expression'), ': ', code(SINGLE_EXPRESSION)],
      [strong('Target attribute'), ': ', code(SINGLE_TARGET)],
      ['Select ', strong('Ok'), ', then ', strong('Save'), '.'],
    ),
    paragraph(strong('Several roles per user'), ':'),
    steps(
      [
        'Select ',
        strong('Show advanced options'),
        ' → ',
        strong('Edit attribute list'),
        ' for the application, add an attribute named ',
        code('roles'),
        ' and save.',
      ],
      [
        'Back in the mappings, select ',
        strong('Add New Mapping'),
        ' and set ',
        strong('Mapping type'),
        ' to ',
        strong('Expression'),
        '.',
      ],
      [strong('Expression'), ': ', code(COMPLEX_EXPRESSION)],
      [strong('Target attribute'), ': ', code('roles')],
      ['Select ', strong('Ok'), ', then ', strong('Save'), '.'],
    ),
    note(
      'info',
      'With ',
      code(COMPLEX_EXPRESSION),
      ' Entra only adds roles: a role you remove from a user stays in the application. Use ',
      code(ASSERTIVE_EXPRESSION),
      ' instead if removed roles must be removed too (it sends the complete set each time).',
    ),
  ];
  if (input.roles.length > 0) {
    blocks.push(paragraph('The roles you may assign:'), rolesTable(input));
  } else {
    blocks.push(
      note(
        'info',
        'Your vendor has not declared any roles for your organisation yet: you can skip this step and add the mapping later.',
      ),
    );
  }
  return { id: 'roles', title: '3. Send app roles', blocks };
}

function startSection(): Section {
  return {
    id: 'start',
    title: '4. Assign users and groups, then start',
    blocks: [
      steps(
        [
          'In the application, open ',
          strong('Users and groups'),
          ' → ',
          strong('Add user/group'),
          ', choose users or groups and a role, and select ',
          strong('Assign'),
          '.',
        ],
        [
          'In ',
          strong('Provisioning'),
          ', under ',
          strong('Settings'),
          ', set ',
          strong('Scope'),
          ' to ',
          strong('Sync only assigned users and groups'),
          '.',
        ],
        [
          'Set ',
          strong('Provisioning Status'),
          ' to ',
          strong('On'),
          ' and select ',
          strong('Save'),
          ' (or ',
          strong('Start provisioning'),
          ').',
        ],
        [
          'Watch ',
          strong('Provisioning logs'),
          ': the first cycle creates everyone in scope; after that Entra sends changes about every 40 minutes.',
        ],
      ),
    ],
  };
}

function fallbackSection(input: GuideInput): Section {
  return {
    id: 'fallback',
    title: 'If automatic provisioning is not available',
    blocks: [
      paragraph(
        'Microsoft documents that the Enterprise application of another organisation’s app registration may not be enabled for automatic provisioning. If ',
        strong('Provisioning'),
        ' offers no ',
        strong('Automatic'),
        ' mode, set up a separate application of your own; it works the same way:',
      ),
      steps(
        [
          'In ',
          strong('Enterprise applications'),
          ', select ',
          strong('New application'),
          ' → ',
          strong('Create your own application'),
          '.',
        ],
        [
          'Give it a name, choose ',
          strong('Integrate any other application you don’t find in the gallery (Non-gallery)'),
          ' and select ',
          strong('Create'),
          '.',
        ],
        [
          'This also creates an app registration in your tenant. Open ',
          strong('App registrations'),
          ' → ',
          strong('All applications'),
          ' → your new application → ',
          strong('Manifest'),
          ', replace the ',
          code('appRoles'),
          ' array with the one below (it keeps the role IDs your vendor uses) and select ',
          strong('Save'),
          '.',
        ],
        ['Follow steps 2 to 4 above on this new Enterprise application.'],
      ),
      { kind: 'code', language: 'json', code: JSON.stringify(input.manifest, null, 2) },
    ],
  };
}

function consentLink(clientId: string | undefined): ConsentLink | null {
  return clientId ? { clientId, url: adminConsentUrl(clientId) } : null;
}

/** Builds the guide for one tenant. */
export function buildGuide(input: GuideInput): Guide {
  const production = consentLink(input.entraClientIdProd);
  const test = consentLink(input.entraClientIdTest);
  const intro: Section = {
    id: 'overview',
    title: 'Your values',
    blocks: [
      paragraph(
        'These steps connect ',
        value(input.tenant.name),
        '’s Microsoft Entra ID to your vendor’s application, so that users and groups you assign there are created, updated and deactivated automatically.',
      ),
      list(
        [strong('Tenant URL'), ': ', code(input.scimUrl)],
        // The token appears once in the guide, where it is pasted (step 2).
        input.token
          ? [strong('Secret Token'), ': included in step 2 below (shown only in this copy of the guide)']
          : [strong('Secret Token'), ': the token your vendor sent you separately'],
        [strong('Roles you may assign'), ': ', ...(input.roles.length > 0 ? roleNames(input) : ['none declared yet'])],
      ),
    ],
  };
  return {
    format: 'scimd-setup-guide',
    version: 1,
    title: `Microsoft Entra ID provisioning setup for ${input.tenant.name}`,
    tenant: { slug: input.tenant.slug, name: input.tenant.name },
    scimUrl: input.scimUrl,
    secretToken: input.token ?? null,
    consent: { production, test },
    roles: input.roles,
    appRolesManifest: input.manifest,
    sections: [
      intro,
      consentSection(production, test),
      provisioningSection(input),
      mappingSection(input),
      startSection(),
      fallbackSection(input),
      troubleshootingSection(input),
    ],
  };
}

function roleNames(input: GuideInput): Text {
  return input.roles.flatMap((r, i) => [...(i > 0 ? [', '] : []), value(r.displayName), ' (', code(r.value), ')']);
}
