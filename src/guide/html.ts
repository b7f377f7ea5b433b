/**
 * The setup guide as one self-contained, printable HTML page: inline CSS, no scripts, no
 * external resources (a Content-Security-Policy forbids them), every value HTML-escaped. Pure.
 *
 * The page is built from fragment renderers (`renderTextHtml`, `renderBlocksHtml`,
 * `renderSectionsHtml`) that the console and the setup portal embed in their own pages, so the
 * guide's text reads and escapes the same everywhere.
 */
import type { Block, Guide, Inline, Section, Text } from './model.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #f5f6f8; color: #1b1f24; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 52rem; margin: 2rem auto; padding: 2rem 2.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1.5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; padding-top: 1rem; border-top: 1px solid #e3e6ea; }
code { font: .9em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #eef1f4; padding: .1em .3em; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f0f2f5; border: 1px solid #dde1e6; border-radius: 6px; padding: .75rem 1rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
pre code { background: none; padding: 0; }
ol, ul { padding-left: 1.5rem; } li { margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .95rem; }
th, td { border: 1px solid #dde1e6; padding: .45rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
.note { border-left: 4px solid #3b82c4; background: #eef5fb; padding: .6rem .9rem; margin: .9rem 0; border-radius: 0 6px 6px 0; }
.note.warning { border-color: #c9821b; background: #fdf5e8; }
footer { margin-top: 2rem; color: #5b6570; font-size: .85rem; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  h2 { break-after: avoid; } pre, table, .note, li { break-inside: avoid; }
}`;

function inline(run: Inline): string {
  if (typeof run === 'string') return escapeHtml(run);
  if ('value' in run) return escapeHtml(run.value);
  if ('strong' in run) return `<strong>${escapeHtml(run.strong)}</strong>`;
  if ('code' in run) return `<code>${escapeHtml(run.code)}</code>`;
  return `<a href="${escapeHtml(run.link)}">${escapeHtml(run.link)}</a>`;
}

/** Inline runs as HTML: static wording and outside values escaped alike. */
export function renderTextHtml(runs: Text): string {
  return runs.map(inline).join('');
}

const text = renderTextHtml;

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${text(b.text)}</p>`;
    case 'steps':
      return `<ol>${b.items.map((item) => `<li>${text(item)}</li>`).join('')}</ol>`;
    case 'list':
      return `<ul>${b.items.map((item) => `<li>${text(item)}</li>`).join('')}</ul>`;
    case 'code':
      return `<pre><code>${escapeHtml(b.code)}</code></pre>`;
    case 'table': {
      const head = `<tr>${b.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
      const tr = (i: number) => (b.rowIds?.[i] === undefined ? '<tr>' : `<tr id="${escapeHtml(b.rowIds[i])}">`);
      const body = b.rows.map((row, i) => `${tr(i)}${row.map((c) => `<td>${text(c)}</td>`).join('')}</tr>`).join('\n');
      return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
    }
    case 'note':
      return `<div class="note ${b.tone}"><strong>${b.tone === 'warning' ? 'Important' : 'Note'}:</strong> ${text(b.text)}</div>`;
  }
}

/** Blocks as an HTML fragment, one per line. */
export function renderBlocksHtml(blocks: readonly Block[]): string {
  return blocks.map(block).join('\n');
}

export interface SectionsHtmlOptions {
  /** The level of each section's title: 2 in the guide, 3 inside a page with its own `<h2>`s. */
  readonly headingLevel?: 2 | 3;
}

/** Sections as an HTML fragment: each a `<section id="…">` with its title as a heading. */
export function renderSectionsHtml(sections: readonly Section[], options: SectionsHtmlOptions = {}): string {
  const h = `h${options.headingLevel ?? 2}`;
  return sections
    .map(
      (s) =>
        `<section id="${escapeHtml(s.id)}">\n<${h}>${escapeHtml(s.title)}</${h}>\n${renderBlocksHtml(s.blocks)}\n</section>`,
    )
    .join('\n');
}

export function renderHtml(guide: Guide): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(guide.title)}</title>`,
    `<style>${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(guide.title)}</h1>`,
    renderSectionsHtml(guide.sections),
    '<footer>Generated by scimd for tenant <code>' + escapeHtml(guide.tenant.slug) + '</code>.</footer>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
