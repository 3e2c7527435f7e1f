/**
 * `select!` arms (tokio's and futures') as call arguments tree-sitter can parse, every character kept
 * in place so positions still match the source:
 *
 *     pat = fut, if cond => handler      →  pat = fut, !!cond , handler
 *     pat = fut => { .. }  else => x     →  pat = fut , { .. }, _els, x
 *     default => x / complete => x       →  default, x / complete, x
 *
 * Only separators at the macro's top level are rewritten: a `=>` inside a handler's `match` stays.
 * A block handler needs no comma after it, so the first space or tab after its `}` becomes one. The
 * readers of the arguments (`liveness/macroBodies.ts`) know the `!!` precondition and the `_els`
 * marker.
 */

/** The marker an `else =>` arm becomes (as long as `else`). */
export const ELSE_ARM_MARKER = '_els';

/** The arms of a `select!` as `pat = fut, handler, ..` (see the module comment). */
export function rewriteSelect(content: string): string {
  const out = content.split('');
  const tokens = topLevelTokens(content);
  /** Where the arm is: its start, its pattern and future, or its handler. */
  let state: 'start' | 'branch' | 'handler' = 'start';
  let handlerIsBlock = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (state === 'start') {
      if (t.text === 'biased' && tokens[i + 1]?.text === ';') {
        blank(out, t.start, tokens[i + 1].end);
        i++;
        continue;
      }
      if (t.text === ',') {
        continue;
      }
      if (t.text === 'else' && tokens[i + 1]?.text === '=>') {
        replace(out, t.start, ELSE_ARM_MARKER);
      }
      state = 'branch';
    }
    if (state === 'branch') {
      if (t.text === 'if' && tokens[i - 1]?.text === ',') {
        // A precondition: `!!cond` is an expression of the same length and the same value.
        replace(out, t.start, '!!');
      } else if (t.text === '=>') {
        replace(out, t.start, ', ');
        state = 'handler';
        handlerIsBlock = tokens[i + 1]?.text === '{';
      }
      continue;
    }
    // In a handler: a block one ends with its `}`, any other at the next top-level comma.
    if (t.text === ',') {
      state = 'start';
    } else if (handlerIsBlock && t.text === '}') {
      state = 'start';
      const next = tokens[i + 1];
      if (next && next.text !== ',') {
        // A space or tab, never a line break: lines must stay where they are.
        const gap = content.slice(t.end, next.start).search(/[ \t]/);
        if (gap >= 0) {
          out[t.end + gap] = ',';
        }
      }
    }
  }
  return out.join('');
}

interface Token {
  text: string;
  start: number;
  end: number;
}

/**
 * The tokens that matter at the macro's top level: words, `=>`, `,`, `;`, and the `{`/`}` of a
 * block that starts or ends there. Everything inside brackets, strings, chars and comments is skipped.
 */
function topLevelTokens(content: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < content.length) {
    const c = content[i];
    const skipped = skipLiteralOrComment(content, i);
    if (skipped > i) {
      i = skipped;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      if (depth === 0 && c === '{') {
        tokens.push({ text: '{', start: i, end: i + 1 });
      }
      depth++;
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0 && c === '}') {
        tokens.push({ text: '}', start: i, end: i + 1 });
      }
      i++;
      continue;
    }
    if (depth > 0) {
      i++;
      continue;
    }
    if (content.startsWith('=>', i)) {
      tokens.push({ text: '=>', start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === ',' || c === ';') {
      tokens.push({ text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(content.slice(i, i + 64));
    if (word) {
      tokens.push({ text: word[0], start: i, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    i++;
  }
  return tokens;
}

/** The end of a string, char literal or comment starting at `i`; `i` itself when none does. */
function skipLiteralOrComment(content: string, i: number): number {
  const rest = content.slice(i, i + 3);
  if (rest.startsWith('//')) {
    const end = content.indexOf('\n', i);
    return end < 0 ? content.length : end;
  }
  if (rest.startsWith('/*')) {
    const end = content.indexOf('*/', i + 2);
    return end < 0 ? content.length : end + 2;
  }
  const raw = /^b?r(#*)"/.exec(content.slice(i, i + 260));
  if (raw && (i === 0 || !/[A-Za-z0-9_]/.test(content[i - 1]))) {
    const close = '"' + raw[1];
    const end = content.indexOf(close, i + raw[0].length);
    return end < 0 ? content.length : end + close.length;
  }
  if (content[i] === '"') {
    let j = i + 1;
    while (j < content.length && content[j] !== '"') {
      j += content[j] === '\\' ? 2 : 1;
    }
    return j + 1;
  }
  if (content[i] === "'") {
    // A char literal (`'a'`, `'\n'`, `'\u{1F600}'`); a lifetime (`'a`) has no closing quote.
    const char = /^'(?:\\(?:u\{[0-9A-Fa-f]{1,6}\}|x[0-9A-Fa-f]{2}|.)|[^'\\])'/.exec(
      content.slice(i, i + 12),
    );
    return char ? i + char[0].length : i + 1;
  }
  return i;
}

function blank(out: string[], start: number, end: number): void {
  for (let k = start; k < end; k++) {
    if (out[k] !== '\n') {
      out[k] = ' ';
    }
  }
}

function replace(out: string[], start: number, text: string): void {
  for (let k = 0; k < text.length; k++) {
    out[start + k] = text[k];
  }
}
