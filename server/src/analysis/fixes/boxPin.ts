/**
 * `Box::pin(..)` where a large future is stored or handed over, as the `large-future` message
 * recommends ("consider `Box::pin` on it there", clippy's `large_futures`):
 *
 * - awaited: `Box::pin(callee(..)).await`, also inside macro arguments (a `select!` handler);
 * - a branch of `select!`, `join!` or `try_join!`: the macro keeps every branch future in the
 *   caller's future while it polls them, so `Box::pin(callee(..))` in the branch shrinks it;
 * - handed over by value, as in `spawn(async move { .. })`: the callee receives an 8-byte
 *   pointer instead of the whole future. No future of the file gets smaller; the value moved
 *   through the call does (verified as "makes no future larger").
 *
 * Never preferred: `Box::pin` allocates on every call.
 */
import type { Candidate } from './candidate';
import type { ItemTable } from './fixScope';
import { insertAt, named } from './fixSyntax';
import { MacroAwareNodes } from './macroNodes';
import { JOIN_MACROS, selectFutures } from '../liveness/macroBodies';
import { macroName } from '../syntax/macros';
import type { SyntaxNode } from '../syntax/parser';
import { endOf, startOf } from '../syntax/positions';
import type { AwaitPoint, FileReport, FutureReport } from '../report';

const ALLOCATES = '`Box::pin` allocates on every call';

export class BoxPinPlanner {
  constructor(
    private readonly nodes: MacroAwareNodes,
    private readonly report: FileReport,
    private readonly items: ItemTable,
    private readonly minBytes: number,
  ) {}

  /** Box::pin for the await `a` of `future`: its awaited future, or its macro's branches. */
  planAwait(future: FutureReport, futureIndex: number, a: AwaitPoint): Candidate[] {
    const node = this.nodes.deepest({ row: a.line - 1, column: a.column - 1 });
    if (node?.type === 'await') {
      const c = this.planAwaited(future, futureIndex, a, node);
      return c ? [c] : [];
    }
    const macro = this.nodes.macroAt({ row: a.line - 1, column: a.column - 1 });
    if (!macro || !JOIN_MACROS.has(macroName(macro)) || !this.fromAsyncRuntime(macro)) {
      return [];
    }
    const args = this.nodes.arguments(macro);
    const branches = macroName(macro) === 'select' ? selectFutures(args) : args;
    const kept = a.held.find((h) => h.kind === 'binding' && h.name === 'futures');
    const out: Candidate[] = [];
    for (const branch of branches) {
      const pinned = this.pinnable(branch);
      if (!pinned) {
        continue;
      }
      const at = startOf(branch);
      out.push({
        ...this.candidate(future, futureIndex, branch, pinned),
        title:
          unparen(branch).type === 'async_block'
            ? `Box the async block of a \`${macroName(macro)}!\` branch with \`Box::pin\``
            : `Box the \`${macroName(macro)}!\` branch ${describe(branch)} with \`Box::pin\``,
        what:
          `\`${macroName(macro)}!\` keeps the branch's future (${pinned.size} bytes) in ` +
          `\`${future.name}\` while it polls it; \`Box::pin\` keeps an 8-byte pointer instead.`,
        target: kept
          ? { name: kept.name, line: kept.line, column: kept.column }
          : { name: null, line: at.row + 1, column: at.column + 1 },
        idAt: { line: at.row + 1, column: at.column + 1 },
        await: a,
      });
    }
    return out;
  }

  /**
   * A `select!`/`join!` of tokio or futures (by its path or a `use` of the file): what a macro of
   * the same name from elsewhere does with its arguments is not known.
   */
  private fromAsyncRuntime(macro: SyntaxNode): boolean {
    const path = macro.childForFieldName('macro')?.text.replace(/\s+/g, '') ?? '';
    if (path.includes('::')) {
      return /^(::)?(tokio|futures|futures_util)::/.test(path);
    }
    const uses = new RegExp(`\\buse\\s+(::)?(tokio|futures|futures_util)::[^;]*\\b${path}\\b`);
    return uses.test(this.nodes.root.text);
  }

  /** Large futures handed over by value where created: `spawn(async { .. })`, `spawn(f(..))`. */
  planHandovers(): Candidate[] {
    const out: Candidate[] = [];
    this.report.futures.forEach((future, index) => {
      if (future.skipped !== undefined || future.size === null || future.size < this.minBytes) {
        return;
      }
      for (const site of this.handoverSites(future)) {
        const callee = site.parent?.parent?.childForFieldName('function')?.text ?? 'the call';
        out.push({
          ...this.candidate(future, index, site, { future, size: future.size }),
          title:
            `Box ${describe(site)} with \`Box::pin\` ` +
            `where it is passed to \`${short(callee)}\``,
          what:
            `\`${short(callee)}\` receives an 8-byte pointer instead of the ` +
            `${future.size}-byte future, which then lives on the heap ` +
            '(its own size does not change).',
          verifyBy: 'handover',
        });
      }
    });
    return out;
  }

  private planAwaited(
    future: FutureReport,
    futureIndex: number,
    a: AwaitPoint,
    keyword: SyntaxNode,
  ): Candidate | null {
    const awaitee = a.held.find((h) => h.kind === 'awaitee');
    const expr = keyword.parent;
    const operand = expr?.type === 'await_expression' ? expr.namedChildren[0] : null;
    if (
      !awaitee ||
      awaitee.size === null ||
      awaitee.size < this.minBytes ||
      !(awaitee.type ?? '').startsWith('{async') ||
      !operand ||
      isBoxed(operand)
    ) {
      return null;
    }
    const pinned = this.pinnable(operand, awaitee.size) ?? { future: null, size: awaitee.size };
    return {
      ...this.candidate(future, futureIndex, operand, pinned),
      title: `Box the future of ${describe(operand)} with \`Box::pin\``,
      what:
        `The awaited future (${awaitee.size} bytes) is stored inline in \`${future.name}\`; ` +
        '`Box::pin` stores an 8-byte pointer instead.',
      target: { name: null, line: awaitee.line, column: awaitee.column },
      await: a,
    };
  }

  private candidate(
    future: FutureReport,
    futureIndex: number,
    expr: SyntaxNode,
    pinned: { future: FutureReport | null; size: number },
  ): Candidate {
    const at = startOf(expr);
    return {
      kind: 'box-pin-future',
      title: '',
      what: '',
      preferred: false,
      notes: [ALLOCATES],
      future,
      futureIndex,
      target: { name: null, line: at.row + 1, column: at.column + 1 },
      valueSize: pinned.size,
      edits: [insertAt(at, 'Box::pin('), insertAt(endOf(expr), ')')],
      pinned: pinned.future
        ? { name: pinned.future.name, line: pinned.future.line, column: pinned.future.column }
        : undefined,
    };
  }

  /** The future an expression creates, when this file's report sizes it at `minBytes` or more. */
  private pinnable(
    expr: SyntaxNode,
    knownSize: number | null = null,
  ): { future: FutureReport | null; size: number } | null {
    const e = unparen(expr);
    if (isBoxed(e)) {
      return null;
    }
    const future = this.futureOf(e);
    const size = future?.size ?? knownSize;
    return size !== null && size >= this.minBytes ? { future, size } : null;
  }

  /** The report's future for an async block, or a call of an async fn named once in the file. */
  private futureOf(e: SyntaxNode): FutureReport | null {
    if (e.type === 'async_block') {
      const at = startOf(e);
      return (
        this.report.futures.find(
          (f) => f.kind === 'block' && f.line === at.row + 1 && f.column === at.column + 1,
        ) ?? null
      );
    }
    const name = calleeName(e);
    const sigs = name ? this.items.fns.get(name) : undefined;
    if (!name || !sigs || !sigs.every((s) => s.isAsync)) {
      return null;
    }
    const matches = this.report.futures.filter(
      (f) => f.kind === 'fn' && f.skipped === undefined && lastSegment(f.name) === name,
    );
    return matches.length === 1 ? matches[0] : null;
  }

  /** Where `future` is created as a by-value argument of a call that does not box it already. */
  private handoverSites(future: FutureReport): SyntaxNode[] {
    const pos = { row: future.line - 1, column: future.column - 1 };
    if (future.kind === 'block') {
      for (let n = this.nodes.deepest(pos); n; n = n.parent) {
        if (n.type === 'async_block') {
          const at = startOf(n);
          return at.row === pos.row && at.column === pos.column && handedOver(n) ? [n] : [];
        }
      }
      return [];
    }
    if (future.kind !== 'fn') {
      return [];
    }
    const name = lastSegment(future.name);
    this.calls ??= this.nodes.root
      .descendantsOfType('call_expression')
      .filter((c): c is SyntaxNode => c !== null && handedOver(c));
    return this.calls.filter((c) => calleeName(c) === name && this.futureOf(c) === future);
  }

  /** The file's calls passed by value as an argument, read once for all futures. */
  private calls: SyntaxNode[] | undefined;
}

/** An argument of a call other than `Box::pin`/`Box::new`/`pin!`, passed by value. */
function handedOver(expr: SyntaxNode): boolean {
  let n = expr;
  while (n.parent?.type === 'parenthesized_expression') {
    n = n.parent;
  }
  const args = n.parent;
  const call = args?.parent;
  if (args?.type !== 'arguments' || call?.type !== 'call_expression') {
    return false;
  }
  const callee = call.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
  return !/(^|::)(Box::(pin|new)|pin|drop|forget)$/.test(callee);
}

function isBoxed(e: SyntaxNode): boolean {
  return /^Box\s*::\s*pin\s*\(/.test(e.text);
}

function unparen(e: SyntaxNode): SyntaxNode {
  let n = e;
  while (n.type === 'parenthesized_expression' && named(n).length === 1) {
    n = named(n)[0];
  }
  return n;
}

/** `f` of `f(..)`, `a::f(..)`, `x.f(..)` and `f::<T>(..)`; null for anything else. */
function calleeName(e: SyntaxNode): string | null {
  if (e.type !== 'call_expression') {
    return null;
  }
  let fn = e.childForFieldName('function');
  if (fn?.type === 'generic_function') {
    fn = fn.childForFieldName('function');
  }
  switch (fn?.type) {
    case 'identifier':
      return fn.text;
    case 'scoped_identifier':
      return fn.childForFieldName('name')?.text ?? null;
    case 'field_expression':
      return fn.childForFieldName('field')?.text ?? null;
    default:
      return null;
  }
}

function lastSegment(name: string): string {
  return name.split('::').pop() ?? name;
}

function describe(e: SyntaxNode): string {
  if (e.type === 'async_block') {
    return 'the async block';
  }
  const fn = e.type === 'call_expression' ? e.childForFieldName('function') : null;
  return `\`${fn ? `${fn.text.replace(/\s+/g, '')}(..)` : short(e.text)}\``;
}

function short(text: string): string {
  const t = text.replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}
