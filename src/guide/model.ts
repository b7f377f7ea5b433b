/**
 * The setup guide as data: sections of blocks of inline runs. `content.ts` builds it from a
 * tenant's values; `markdown.ts` and `html.ts` render it; `--format json` prints it as is.
 * Inline runs keep static wording (`string`) apart from values that came from the outside
 * (`{value}`, `{code}`), so every renderer can escape exactly what it must.
 */
import type { ManifestAppRole } from '../tenancy/manifest.js';

/**
 * One run of text: static wording, an outside value, bold static wording, code (static or
 * outside), or a link. Markdown writes static runs as they are and escapes `value` and `code`.
 */
export type Inline =
  | string
  | { readonly value: string }
  | { readonly strong: string }
  | { readonly code: string }
  | { readonly link: string };

export type Text = readonly Inline[];

export type Block =
  | { readonly kind: 'paragraph'; readonly text: Text }
  | { readonly kind: 'steps'; readonly items: readonly Text[] }
  | { readonly kind: 'list'; readonly items: readonly Text[] }
  | { readonly kind: 'code'; readonly language: 'json' | 'text'; readonly code: string }
  | {
      readonly kind: 'table';
      readonly headers: readonly string[];
      readonly rows: readonly (readonly Text[])[];
      /** Stable anchors of the rows, in order (HTML `<tr id>`), when they can be linked to. */
      readonly rowIds?: readonly string[];
    }
  | { readonly kind: 'note'; readonly tone: 'info' | 'warning'; readonly text: Text };

export interface Section {
  /** Stable anchor, e.g. `consent`. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

/** An app role as the guide shows it. */
export interface GuideRole {
  readonly value: string;
  readonly displayName: string;
  readonly description: string;
}

export interface ConsentLink {
  readonly clientId: string;
  readonly url: string;
}

/** What the guide is built from (the CLI and the admin API gather it). */
export interface GuideInput {
  readonly tenant: { readonly slug: string; readonly name: string };
  /** The tenant's SCIM base URL, `<public url>/t/<slug>/scim/v2`. */
  readonly scimUrl: string;
  /** A token issued together with the guide; absent: the customer got it separately. */
  readonly token?: string | undefined;
  /** The enabled roles the tenant may assign, in catalogue order. */
  readonly roles: readonly GuideRole[];
  /** The `appRoles` manifest entries of those roles (stable GUIDs), for the fallback app. */
  readonly manifest: readonly ManifestAppRole[];
  readonly entraClientIdTest?: string | undefined;
  readonly entraClientIdProd?: string | undefined;
}

/** The whole guide; also the `--format json` document. */
export interface Guide {
  readonly format: 'scimd-setup-guide';
  readonly version: 1;
  readonly title: string;
  readonly tenant: { readonly slug: string; readonly name: string };
  readonly scimUrl: string;
  /** The token, when issued with the guide; null when sent separately. */
  readonly secretToken: string | null;
  readonly consent: { readonly production: ConsentLink | null; readonly test: ConsentLink | null };
  readonly roles: readonly GuideRole[];
  readonly appRolesManifest: readonly ManifestAppRole[];
  readonly sections: readonly Section[];
}

export const value = (text: string): Inline => ({ value: text });
export const strong = (text: string): Inline => ({ strong: text });
export const code = (text: string): Inline => ({ code: text });
export const link = (url: string): Inline => ({ link: url });

export const paragraph = (...text: Inline[]): Block => ({ kind: 'paragraph', text });
export const steps = (...items: Text[]): Block => ({ kind: 'steps', items });
export const list = (...items: Text[]): Block => ({ kind: 'list', items });
export const note = (tone: 'info' | 'warning', ...text: Inline[]): Block => ({ kind: 'note', tone, text });
