/**
 * Wording shared by hints, hovers, diagnostics and the layout document, so a size reads the same
 * everywhere. No LSP imports.
 */
import type { FutureReport, HeldValue } from '../analysis/report';

/** `1027 B`, `≥ 96 B` (a lower bound), `? B` (unknown). */
export function formatBytes(size: number | null, exact: boolean): string {
  if (size === null) {
    return '? B';
  }
  return exact ? `${size} B` : `≥ ${size} B`;
}

/** `1027 bytes`, `at least 96 bytes`. */
export function formatBytesLong(size: number | null, exact: boolean): string {
  if (size === null) {
    return 'an unknown number of bytes';
  }
  const bytes = `${size} byte${size === 1 ? '' : 's'}`;
  return exact ? bytes : `at least ${bytes}`;
}

export { plural } from '../analysis/words';

/** How a held value is named in prose: `` `buffer` ``, `the awaited future`, `a temporary`. */
export function describeValue(value: HeldValue): string {
  switch (value.kind) {
    case 'binding':
    case 'argument':
    case 'upvar':
      return value.name ? `\`${value.name}\`` : 'a captured value';
    case 'awaitee':
      return 'the awaited future';
    case 'drop-flag':
      return 'a drop flag';
    case 'temporary':
      return value.type ? `a temporary \`${value.type}\`` : 'a temporary';
  }
}

/** A short label for tables: `buffer`, `<awaitee pause()>`, `<temp: Guard>`, `<drop flag>`. */
export function valueLabel(value: HeldValue): string {
  switch (value.kind) {
    case 'awaitee':
      return `<awaitee ${awaiteeName(value.type)}>`;
    case 'drop-flag':
      return '<drop flag>';
    case 'temporary':
      return `<temp: ${value.type ?? '_'}>`;
    default:
      return value.name ?? '_';
  }
}

/** `{async fn body of pause()}` → `pause()`; other types as they are. */
export function awaiteeName(type: string | null): string {
  if (!type) {
    return '_';
  }
  const match = /^\{async fn body of (.*)\}$/.exec(type);
  return match ? match[1] : type;
}

/** `async fn `large``, `async block@3:5`. */
export function describeFuture(future: Pick<FutureReport, 'kind' | 'name'>): string {
  return future.kind === 'fn' ? `async fn \`${future.name}\`` : `\`${future.name}\``;
}

/** Inline Markdown code; text with backticks gets a longer fence. */
export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Escapes text for a Markdown table cell or inline code. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
