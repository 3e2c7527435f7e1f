/**
 * What the attributes on an `async fn` (and on the `impl` or `trait` around it) do to its future.
 *
 * rustc's own attributes (`#[inline]`, `#[allow]`, `#[cfg_attr(..)]`, tool attributes such as
 * `#[rustfmt::skip]`) leave the fn as written. Any other attribute is a procedural macro, which
 * may rewrite the fn into anything: `#[tracing::instrument]` moves the body into an inner
 * `async move` block held next to a span (rustc: 160 B where the fn as written would be 176 B),
 * so no size read from the fn as written can be claimed for it, not even as a lower bound.
 * Two macros are modelled instead of refused:
 * - `#[tokio::main]` / `#[tokio::test]` (see `entryMacros.ts`);
 * - `#[async_trait]` on an `impl` or `trait` (async-trait 0.1, `expand.rs` `transform_block`):
 *   each `async fn` becomes a fn returning `Pin<Box<dyn Future<Output = T> + Send + 'a>>`
 *   whose body is `Box::pin(async move { let __self = self; let x = x; .. })`. That block moves
 *   every parameter into a local first, exactly as an async fn's own lowering does, so its layout
 *   is the async fn's (compared with rustc: 144 and 224 B, the same as the fns as written);
 *   what a caller awaits is the 16-byte box.
 * And two leave the fn's body as written, under another name: embassy-executor's `#[task]` (the
 * fn is emitted verbatim inside `__NAME_task`) and `#[main]` (`async fn __embassy_main(args)
 * { body }`), both read from embassy-executor-macros' `task.rs` and `main.rs`.
 */
import type { SyntaxNode } from './parser';
import { precedingAttributes } from './cfg';

/** Attributes rustc itself reads (the stable built-ins that may sit on fns, impls and traits). */
const BUILTIN = new Set([
  'allow',
  'automatically_derived',
  'cfg',
  'cold',
  'collapse_debuginfo',
  'coverage',
  'deny',
  'deprecated',
  'doc',
  'expect',
  'export_name',
  'forbid',
  'ignore',
  'inline',
  'instruction_set',
  'link_name',
  'link_section',
  'must_use',
  'naked',
  'no_mangle',
  'non_exhaustive',
  'optimize',
  'should_panic',
  'target_feature',
  'test',
  'track_caller',
  'used',
  'warn',
]);

/** Tool namespaces whose attributes the compiler accepts and ignores. */
const TOOLS = new Set(['rustfmt', 'clippy', 'rust_analyzer', 'rustdoc', 'diagnostic', 'miri']);

const TOKIO_ENTRY = /^tokio::(?:main|test)$/;

const EMBASSY_ENTRY = /^embassy_executor::(?:task|main)$/;
/** `use embassy_executor::task;` (or `main`, or both in braces) lets the attribute be written bare. */
const EMBASSY_IMPORT =
  /\buse\s+(?:::)?embassy_executor::(?:\{[^}]*\b(?:task|main)\b|(?:task|main)\b)/;

export type AsyncFnRewrite =
  /** No macro touches the fn: its future is the fn as written. */
  | { kind: 'none' }
  /** `#[async_trait]`: callers await a `Pin<Box<dyn Future>>`; the body is an async block. */
  | { kind: 'asyncTrait' }
  /** A procedural macro nobody here models rewrites the fn: its future is not known. */
  | { kind: 'unknown'; macro: string };

/**
 * The paths of the attributes in `#[..]` texts: `#[tracing::instrument(skip(x))]` gives
 * `tracing::instrument`; `#[cfg_attr(pred, a, b)]` gives `a` and `b` (whether `pred` holds is not
 * asked: an attribute that might apply is counted).
 */
export function attributePaths(attributes: readonly string[]): string[] {
  const paths: string[] = [];
  for (const attr of attributes) {
    const inner = /^#\s*\[([\s\S]*)\]\s*$/.exec(attr.trim())?.[1];
    if (inner !== undefined) {
      collectPaths(unwrapUnsafe(inner.trim()), paths);
    }
  }
  return paths;
}

/** What the macros on `fnItem` (an `async fn`) or around it do to its future. */
export function asyncFnRewrite(fnItem: SyntaxNode): AsyncFnRewrite {
  const own = attributePaths(precedingAttributes(fnItem)).filter(
    (p) => !isBuiltin(p) && !TOKIO_ENTRY.test(p) && !isEmbassyEntry(p, fnItem),
  );
  const container = fnItem.parent?.type === 'declaration_list' ? fnItem.parent.parent : null;
  const around =
    container && (container.type === 'impl_item' || container.type === 'trait_item')
      ? attributePaths(precedingAttributes(container)).filter((p) => !isBuiltin(p))
      : [];
  const unknown = [...own, ...around.filter((p) => !isAsyncTrait(p))];
  if (unknown.length > 0) {
    return { kind: 'unknown', macro: unknown[0] };
  }
  return around.length > 0 ? { kind: 'asyncTrait' } : { kind: 'none' };
}

function isEmbassyEntry(path: string, fnItem: SyntaxNode): boolean {
  if (EMBASSY_ENTRY.test(path)) {
    return true;
  }
  // Only a bare `#[task]`/`#[main]` needs the file read, and few fns carry one.
  return (path === 'task' || path === 'main') && EMBASSY_IMPORT.test(fnItem.tree.rootNode.text);
}

function isAsyncTrait(path: string): boolean {
  // `async_trait::async_trait`, or a re-export of it such as `tonic::async_trait`.
  return path === 'async_trait' || path.endsWith('::async_trait');
}

function isBuiltin(path: string): boolean {
  const segments = path.split('::');
  return segments.length === 1 ? BUILTIN.has(path) : TOOLS.has(segments[0]);
}

/** `unsafe(no_mangle)` (edition 2024) is the attribute inside. */
function unwrapUnsafe(text: string): string {
  const m = /^unsafe\s*\(([\s\S]*)\)$/.exec(text);
  return m ? m[1].trim() : text;
}

function collectPaths(text: string, into: string[]): void {
  const path = /^(?:::\s*)?[A-Za-z_][\w]*(?:\s*::\s*[A-Za-z_][\w]*)*/.exec(text)?.[0];
  if (!path) {
    return;
  }
  const normal = path.replace(/\s+/g, '').replace(/^::/, '');
  if (normal !== 'cfg_attr') {
    into.push(normal);
    return;
  }
  const args = /^cfg_attr\s*\(([\s\S]*)\)$/.exec(text.replace(/^::\s*/, ''))?.[1];
  // The first argument is the predicate; the rest are the attributes it applies.
  splitTopLevel(args ?? '')
    .slice(1)
    .forEach((a) => collectPaths(unwrapUnsafe(a), into));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        quoted = false;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) {
    parts.push(last);
  }
  return parts;
}
