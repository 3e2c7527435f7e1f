/**
 * Another crate's extension-trait method called on the caller's own type or type parameter
 * (`dependencyCalls.extensionMethodType`): its combinator struct, `Self` the receiver, the
 * trait's own parameter the argument's type, read in the caller's scope; unknown where any part
 * is. Compared with rustc end to end in `dependencyTypes.test.ts` (workspace `generic`).
 */
import * as assert from 'assert';
import type { ForeignFn } from '../../server/src/analysis/deps/dependencyTypes';
import type { DependencyFn } from '../../server/src/analysis/deps/crateModules';
import type { Ty } from '../../server/src/analysis/types/types';
import { loadServerModule } from '../support/repoPaths';

const calls = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyCalls')>(
  'analysis/deps/dependencyCalls',
);

const SCOPE = 'futures-util\u0001sink';
const U64: Ty = { k: 'prim', name: 'u64' };
const OWN: Ty = { k: 'adt', segments: ['StartupStream'], args: [] };
const ITEM: Ty = { k: 'adt', segments: ['Item'], args: [] };

/** `SinkExt<Item>::send(&mut self, item: Item) -> Send<'_, Self, Item>`, as the index reads it. */
function sendFn(overrides: Partial<DependencyFn> = {}): ForeignFn {
  const fn: DependencyFn = {
    name: 'send',
    generics: [],
    params: [ITEM],
    ret: {
      k: 'adt',
      segments: ['crate', 'send', 'Send'],
      args: [{ k: 'param', name: 'Self' }, ITEM],
      origin: 'crate',
    },
    isAsync: false,
    hasSelf: true,
    selfKind: 'mut',
    implGenerics: [],
    selfArgs: [],
    path: 'sink::SinkExt::send',
    associated: true,
    ...overrides,
  };
  return { fn, scope: SCOPE, futureOf: () => ({ k: 'unknown', text: '_' }) };
}

describe('extension-trait methods of other crates on the caller’s types', () => {
  it('returns the combinator with Self the receiver and Item the argument, in the caller’s scope', () => {
    const ty = calls.extensionMethodType(OWN, sendFn(), () => U64, []);
    assert.strictEqual(ty.k, 'adt');
    assert.deepStrictEqual(ty.k === 'adt' && ty.segments, ['crate', 'send', 'Send']);
    assert.strictEqual(ty.k === 'adt' && ty.scope, SCOPE);
    // The caller's types keep no scope of the trait's crate: they are read where they were written.
    assert.deepStrictEqual(ty.k === 'adt' && ty.args, [OWN, U64]);
  });

  it('keeps a type parameter receiver, for the caller’s instances to substitute', () => {
    const param: Ty = { k: 'param', name: 'S' };
    const ty = calls.extensionMethodType(param, sendFn(), () => U64, []);
    assert.deepStrictEqual(ty.k === 'adt' && ty.args, [param, U64]);
  });

  it('is unknown when an argument’s type is, or the method is not a plain combinator', () => {
    const unknown: Ty = { k: 'unknown', text: '_' };
    assert.strictEqual(calls.extensionMethodType(OWN, sendFn(), () => unknown, []).k, 'unknown');
    const asyncFn = sendFn({ isAsync: true });
    assert.strictEqual(calls.extensionMethodType(OWN, asyncFn, () => U64, []).k, 'unknown');
    // An impl's own arguments are bound from a receiver of that type, which a parameter is not.
    const ofImpl = sendFn({ selfArgs: [{ k: 'param', name: 'T' }] });
    assert.strictEqual(calls.extensionMethodType(OWN, ofImpl, () => U64, []).k, 'unknown');
    assert.strictEqual(calls.extensionMethodType(OWN, sendFn(), () => U64, [U64]).k, 'unknown');
  });
});
