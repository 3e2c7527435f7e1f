/**
 * The `X` of `[target.X.dependencies]` written the way Cargo prints it (`cargo metadata`): a
 * `cfg(…)` expression re-spaced (`target_os = "linux"`, `any(a, b)`), a target triple as is, so
 * the same condition written two ways reads the same.
 */

type CfgExpression =
  | { kind: 'name'; name: string }
  | { kind: 'pair'; key: string; value: string }
  | { kind: 'call'; name: string; args: CfgExpression[] };

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\]|\\.)*)"|([(),=]))/y;

/** `cfg( unix )` → `cfg(unix)`; what is not a well-formed `cfg(…)` stays as written. */
export function normalizeTarget(target: string): string {
  const trimmed = target.trim();
  if (!trimmed.startsWith('cfg(') || !trimmed.endsWith(')')) {
    return target;
  }
  const tokens = tokenize(trimmed.slice(4, -1));
  if (!tokens) {
    return target;
  }
  const parser = { tokens, at: 0 };
  const expression = parseExpression(parser);
  return expression && parser.at === tokens.length ? `cfg(${format(expression)})` : target;
}

type Token = { kind: 'ident' | 'string' | 'punct'; text: string };

function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) {
      break;
    }
    const match = TOKEN.exec(text);
    if (!match) {
      return null;
    }
    if (match[1] !== undefined) {
      tokens.push({ kind: 'ident', text: match[1] });
    } else if (match[2] !== undefined) {
      tokens.push({ kind: 'string', text: match[2] });
    } else {
      tokens.push({ kind: 'punct', text: match[3] });
    }
  }
  return tokens;
}

function parseExpression(parser: { tokens: Token[]; at: number }): CfgExpression | null {
  const head = parser.tokens[parser.at++];
  if (head?.kind !== 'ident') {
    return null;
  }
  const next = parser.tokens[parser.at];
  if (next?.kind === 'punct' && next.text === '=') {
    const value = parser.tokens[parser.at + 1];
    parser.at += 2;
    return value?.kind === 'string' ? { kind: 'pair', key: head.text, value: value.text } : null;
  }
  if (!(next?.kind === 'punct' && next.text === '(')) {
    return { kind: 'name', name: head.text };
  }
  parser.at++;
  const args: CfgExpression[] = [];
  for (;;) {
    const token = parser.tokens[parser.at];
    if (token?.kind === 'punct' && token.text === ')') {
      parser.at++;
      return { kind: 'call', name: head.text, args };
    }
    const arg = parseExpression(parser);
    if (!arg) {
      return null;
    }
    args.push(arg);
    const separator = parser.tokens[parser.at];
    if (separator?.kind === 'punct' && separator.text === ',') {
      parser.at++;
    } else if (!(separator?.kind === 'punct' && separator.text === ')')) {
      return null;
    }
  }
}

function format(expression: CfgExpression): string {
  switch (expression.kind) {
    case 'name':
      return expression.name;
    case 'pair':
      return `${expression.key} = "${expression.value}"`;
    default:
      return `${expression.name}(${expression.args.map(format).join(', ')})`;
  }
}
