/**
 * What a fn's walk can depend on besides its own text: the items of the index it can reach by name.
 *
 * A walk reads the index only through names: the types, fns, methods, consts and `use`s named in
 * the fn's text, then the names those items' own summaries mention (a callee's return type, a
 * struct's field types), and so on. Summarising each reachable name's items gives a fingerprint
 * that changes when, and only when, something the walk could have read changes. It is conservative
 * by construction (a name that only appears in a comment still counts), which costs a re-walk at
 * worst, never a stale answer. It does not depend on what the walker happened to memoise, which a
 * recording of the walker's reads would.
 */
import { hashText } from '../types/calibration';
import {
  DECLARES_ITEMS,
  globImportsKey,
  identifiersIn,
  type FnInfo,
  type ItemIndex,
} from './items';
import type { SyntaxNode } from '../syntax/parser';

/** What callers can see of a fn: its signature, and for `-> impl Future` fns the body they follow. */
export function fnSummary(fn: FnInfo): unknown[] {
  return [
    fn.path,
    fn.isAsync,
    fn.selfKind,
    fn.params.map((p) => [p.isSelf, p.patternText, p.ty]),
    fn.ret,
    fn.generics,
    [...fn.callableOutputs],
    [...(fn.callableParams ?? [])],
    [...fn.futureOutputs],
    fn.maybeUnsized ?? [],
    fn.selfTy,
    followsBody(fn) ? fn.body?.text : null,
  ];
}

/** `fn f() -> impl Future { async move { .. } }`: callers follow the body to the block's future. */
export function followsBody(fn: FnInfo): boolean {
  return !fn.isAsync && fn.ret.k === 'unknown' && /\bFuture\b/.test(fn.ret.text);
}

interface NameEntry {
  /** A hash of everything the index holds under this name; empty when it holds nothing. */
  summary: string;
  /** Names the summary mentions (where a walk that read it can go next). */
  refs: Set<string>;
}

/** Per-analysis fingerprints of the index, one per reachable name, computed when first asked for. */
export class ItemDependencies {
  private readonly names = new Map<string, NameEntry>();
  /** Every name the index holds something under; most identifiers of a body (locals, std names) are not. */
  private known: Set<string> | null = null;

  constructor(private readonly index: ItemIndex) {}

  /**
   * A fingerprint of every item the `names` of a text (`identifiersIn`) can reach, plus the fn's own
   * summary (its impl's self type and generics, its module path: what the index says of it that its
   * text does not).
   */
  environmentOf(names: Iterable<string>, own?: FnInfo): string {
    const known = this.knownNames();
    const pending: string[] = [];
    for (const name of names) {
      if (known.has(name)) {
        pending.push(name);
      }
    }
    // What the index says of the fn that its text does not: where it is (module, impl) and the
    // impl's self type and generics. The rest of its summary comes from its text.
    const ownSummary = own
      ? `${own.path}|${JSON.stringify(own.selfTy)}|${own.generics.join(',')}`
      : '';
    for (const name of identifiersIn(ownSummary)) {
      if (known.has(name)) {
        pending.push(name);
      }
    }
    const reached = new Set<string>();
    const parts: string[] = [];
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (reached.has(name)) {
        continue;
      }
      reached.add(name);
      const entry = this.entry(name);
      if (entry.summary) {
        parts.push(`${name}=${entry.summary}`);
        for (const ref of entry.refs) {
          if (!reached.has(ref)) {
            pending.push(ref);
          }
        }
      }
    }
    parts.sort();
    parts.push(ownSummary, globImportsKey(this.index));
    return hashText(parts.join('\n'));
  }

  private knownNames(): Set<string> {
    if (!this.known) {
      const { types, typeModules, consts, constTypes, uses, fns, methodsByName } = this.index;
      this.known = new Set<string>();
      // Module-qualified type keys (`io::Error`) are summarised under their last segment.
      for (const map of [types, typeModules, consts, constTypes, uses, fns, methodsByName] as Map<
        string,
        unknown
      >[]) {
        for (const key of map.keys()) {
          this.known.add(key.slice(key.lastIndexOf(':') + 1));
        }
      }
    }
    return this.known;
  }

  private entry(name: string): NameEntry {
    let entry = this.names.get(name);
    if (!entry) {
      entry = this.summarise(name);
      this.names.set(name, entry);
    }
    return entry;
  }

  private summarise(name: string): NameEntry {
    const index = this.index;
    const modules = index.typeModules.get(name);
    const fns = index.fns.get(name);
    const methods = index.methodsByName.get(name);
    const held = [
      index.types.get(name),
      modules?.map((m) => index.types.get(`${m}::${name}`)),
      modules,
      index.consts.get(name),
      index.constTypes.get(name),
      index.uses.get(name),
      index.ambiguousTypes.has(name) || undefined,
      fns?.map(fnSummary),
      methods?.map(fnSummary),
    ];
    if (held.every((h) => h === undefined)) {
      return { summary: '', refs: new Set() };
    }
    const summary = JSON.stringify(held);
    const known = this.knownNames();
    return {
      summary: hashText(summary),
      refs: new Set([...identifiersIn(summary)].filter((ref) => known.has(ref))),
    };
  }
}

/**
 * `text` without the line comments and blank lines it ends with (the doc comment of the fn that
 * follows). Only whole lines go: a line with code before its comment, a block comment or a string
 * ending there stays, so nothing the index reads is dropped.
 */
function withoutTrailingComments(text: string): string {
  let end = text.length;
  while (end > 0) {
    const lineStart = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(lineStart, end).trim();
    if (line !== '' && !line.startsWith('//')) {
      break;
    }
    end = Math.max(0, lineStart - 1);
  }
  return text.slice(0, end);
}

/**
 * A fingerprint of everything the index of a file is built from: its text without the bodies of
 * its fns (a body only adds to the index when it declares items, or when callers follow it, as for
 * `-> impl Future` fns; those stay in), and without the comments and blank lines right before them
 * (doc comments are written far more often than signatures). Typing there keeps it, so the
 * fingerprints of the last analysis still hold and nothing needs summarising again.
 */
export function indexSourceKey(root: SyntaxNode, index: ItemIndex): string {
  const text = root.text;
  const cuts: [number, number, number][] = [];
  for (const fn of index.byNode.values()) {
    const body = fn.body;
    if (!body || fn.node.tree !== root.tree || followsBody(fn) || DECLARES_ITEMS.test(body.text)) {
      continue;
    }
    cuts.push([fn.node.startIndex, body.startIndex, body.endIndex]);
  }
  cuts.sort((a, b) => a[0] - b[0]);
  let kept = '';
  let at = 0;
  for (const [fnStart, bodyStart, bodyEnd] of cuts) {
    if (fnStart < at) {
      continue;
    }
    kept +=
      withoutTrailingComments(text.slice(at, fnStart)) +
      ' ' +
      text.slice(fnStart, bodyStart) +
      '{}';
    at = bodyEnd;
  }
  kept += text.slice(at);
  return hashText(kept);
}
