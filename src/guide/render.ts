/**
 * One entry point for the three formats of the setup guide (docs/guide.md): `md` (the default
 * for the CLI), `html` (a printable page) and `json` (the structured guide). Pure.
 */
import { buildGuide } from './content.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { GuideInput } from './model.js';

export const GUIDE_FORMATS = ['md', 'html', 'json'] as const;
export type GuideFormat = (typeof GUIDE_FORMATS)[number];

export const GUIDE_CONTENT_TYPES: Record<GuideFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function isGuideFormat(text: string): text is GuideFormat {
  return (GUIDE_FORMATS as readonly string[]).includes(text);
}

/** The guide for `input` in `format`, ending with a newline. */
export function renderGuide(input: GuideInput, format: GuideFormat): string {
  const guide = buildGuide(input);
  switch (format) {
    case 'md':
      return renderMarkdown(guide);
    case 'html':
      return renderHtml(guide);
    case 'json':
      return `${JSON.stringify(guide, null, 2)}\n`;
  }
}
