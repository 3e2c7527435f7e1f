/**
 * A thread that holds no tree lets its parser's runtime go (`recycleParser`), and with it the
 * WebAssembly memory the runtime grew to; the next `initParser()` parses on a new one. Run on a
 * worker thread: the thread's parser module is its own there, so the recyclable runtimes do not
 * reach the other tests' parser.
 */
import * as assert from 'assert';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { findUpwards } from '../support/repoPaths';
import * as fs from 'fs';

const repoRoot = findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'package.json')))!;
const serverOut = path.join(repoRoot, 'server', 'out');

interface Outcome {
  keptBefore: boolean;
  goneAfter: boolean;
  generations: number;
  parsed: string | undefined;
}

/** Loads a runtime, parses, lets the runtime go (or not), then parses on the next one. */
const SCENARIO = (recycle: boolean) => `
const { parentPort } = require('worker_threads');
const parser = require(${JSON.stringify(path.join(serverOut, 'analysis', 'syntax', 'parser.js'))});
const { GarbageBound } = require(${JSON.stringify(path.join(serverOut, 'workers', 'garbage.js'))});
const collected = async (ref) => {
  // A resolved promise of the runtime's load may hold it until a later turn.
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    new GarbageBound(0).collect();
    if (ref.deref() === undefined) return true;
  }
  return false;
};
// In a function of its own: a tree, deleted or not, holds its runtime's language.
const parseOnce = (text) => {
  const tree = parser.parseRust(text);
  const type = tree.rootNode.namedChildren[0]?.type;
  tree.delete();
  return type;
};
(async () => {
  parser.useRecyclableParsers();
  const first = new WeakRef(await parser.initParser());
  parseOnce('async fn a() {}');
  const generation = parser.parserGeneration();
  const keptBefore = !(await collected(first));
  if (${recycle}) parser.recycleParser();
  const goneAfter = await collected(first);
  await parser.initParser();
  const parsed = parseOnce('async fn b() {}');
  parentPort.postMessage({ keptBefore, goneAfter, generations: parser.parserGeneration() - generation, parsed });
})();
`;

function run(recycle: boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SCENARIO(recycle), { eval: true });
    worker.once('message', (outcome: Outcome) => {
      resolve(outcome);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('the parser runtime let go after a whole analysis', () => {
  it('frees the runtime it lets go, and parses on a new one', async () => {
    const outcome = await run(true);
    assert.deepStrictEqual(outcome, {
      keptBefore: true,
      goneAfter: true,
      generations: 1,
      parsed: 'function_item',
    });
  });

  it('keeps the runtime in use while nothing lets it go', async () => {
    const outcome = await run(false);
    assert.deepStrictEqual(outcome, {
      keptBefore: true,
      goneAfter: false,
      generations: 0,
      parsed: 'function_item',
    });
  });
});
