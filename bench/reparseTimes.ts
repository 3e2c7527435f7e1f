/**
 * The floor under keystroke latencies: edits replayed in this process, timing only tree-sitter's
 * incremental re-parse (as the server does it, from the previous tree).
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ContentChange } from './lspClient';

type SyntaxTreesModule = typeof import('../server/src/lsp/syntaxTrees');

/** The re-parse time of each change after the first `warmup` ones, in milliseconds. */
export function reparseTimes(
  syntaxTrees: SyntaxTreesModule,
  text: string,
  changes: ContentChange[],
  warmup = 0,
): number[] {
  const trees = new syntaxTrees.SyntaxTrees();
  let document = TextDocument.create('file:///reparse-floor.rs', 'rust', 1, text);
  trees.treeFor(document, 10_000);
  const times: number[] = [];
  try {
    for (const [i, change] of changes.entries()) {
      trees.recordChanges(document, [change]);
      document = TextDocument.update(document, [change], document.version + 1);
      const started = performance.now();
      trees.treeFor(document, 10_000);
      if (i >= warmup) {
        times.push(performance.now() - started);
      }
    }
  } finally {
    trees.forget(document.uri);
  }
  return times;
}
