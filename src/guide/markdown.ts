/**
 * The setup guide as CommonMark with GitHub tables. Values from the outside (tenant name, role
 * names, descriptions) are backslash-escaped so they can never become markup; code spans and
 * fences grow longer than any backtick run inside them. Pure.
 */
import type { Block, Guide, Inline, Text } from './model.js';

/**
 * Backslash-escapes the characters that could start markup inside a line (emphasis, code,
 * links, images, HTML, entities, strikethrough); values never start a line, so list and heading
 * markers need no escape. Line breaks become spaces. `|` is escaped in table cells only.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>!~&]/g, (ch) => `\\${ch}`).replace(/\s+/g, ' ');
}

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

function codeSpan(text: string): string {
  const fence = '`'.repeat(longestRun(text, '`') + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\s+/g, ' ')}${pad}${fence}`;
}

function inline(run: Inline): string {
  if (typeof run === 'string') return run;
  if ('value' in run) return escapeMarkdown(run.value);
  // Bold runs are static wording (model.ts): written as is.
  if ('strong' in run) return `**${run.strong}**`;
  if ('code' in run) return codeSpan(run.code);
  return `<${run.link}>`;
}

function text(runs: Text): string {
  return runs.map(inline).join('');
}

function cell(runs: Text): string {
  return text(runs).replace(/\|/g, '\\|');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return text(b.text);
    case 'steps':
      return b.items.map((item, i) => `${i + 1}. ${text(item)}`).join('\n');
    case 'list':
      return b.items.map((item) => `- ${text(item)}`).join('\n');
    case 'code': {
      const fence = '`'.repeat(Math.max(3, longestRun(b.code, '`') + 1));
      return `${fence}${b.language}\n${b.code}\n${fence}`;
    }
    case 'table': {
      const header = `| ${b.headers.join(' | ')} |`;
      const rule = `| ${b.headers.map(() => '---').join(' | ')} |`;
      const rows = b.rows.map((row) => `| ${row.map(cell).join(' | ')} |`);
      return [header, rule, ...rows].join('\n');
    }
    case 'note':
      return `> **${b.tone === 'warning' ? 'Important' : 'Note'}:** ${text(b.text)}`;
  }
}

export function renderMarkdown(guide: Guide): string {
  const parts = [`# ${escapeMarkdown(guide.title)}`];
  for (const section of guide.sections) {
    parts.push(`## ${section.title}`, ...section.blocks.map(block));
  }
  return `${parts.join('\n\n')}\n`;
}
