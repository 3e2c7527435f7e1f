/**
 * std's sockets and files opened by their associated fns (`types/stdCalls.ts`): the result is
 * `io::Result<Self>`, a pair two of them; the crate's own type of that name is not std's. Engine
 * fixture 104 compares the sizes with rustc.
 */
import * as assert from 'assert';
import type { ItemIndex } from '../../server/src/analysis/items/items';
import type { PathCall } from '../../server/src/analysis/types/stdCalls';
import type { Ty } from '../../server/src/analysis/types/types';
import { loadServerModule } from '../support/repoPaths';

const calls =
  loadServerModule<typeof import('../../server/src/analysis/types/stdCalls')>(
    'analysis/types/stdCalls',
  );
const types =
  loadServerModule<typeof import('../../server/src/analysis/types/types')>('analysis/types/types');

function callOf(owner: string, last: string, ownTypes: string[] = []): Ty | null {
  const call: PathCall = {
    segs: [owner, last],
    last,
    turbo: [],
    args: [],
    argTy: () => types.UNKNOWN,
  };
  const index = { types: new Map(ownTypes.map((t) => [t, {}])) } as unknown as ItemIndex;
  return calls.stdAssociatedCallType(
    call,
    { written: owner, name: owner, ty: types.adt(owner) },
    index,
  );
}

describe("std's sockets and files opened by associated fns", () => {
  it('gives io::Result<Self> for bind, connect, open and create', () => {
    for (const [owner, fn] of [
      ['UdpSocket', 'bind'],
      ['TcpListener', 'bind'],
      ['TcpStream', 'connect'],
      ['UnixDatagram', 'unbound'],
      ['File', 'create'],
    ]) {
      assert.deepStrictEqual(callOf(owner, fn), types.adt('io::Result', types.adt(owner)));
    }
  });

  it('gives a pair for UnixStream::pair and UnixDatagram::pair', () => {
    const stream = types.adt('UnixStream');
    assert.deepStrictEqual(
      callOf('UnixStream', 'pair'),
      types.adt('io::Result', { k: 'tuple', elems: [stream, stream] }),
    );
  });

  it("says nothing for other fns, other types, or the crate's own type of that name", () => {
    assert.strictEqual(callOf('UdpSocket', 'connect'), null);
    assert.strictEqual(callOf('TcpStream', 'pair'), null);
    assert.strictEqual(callOf('Socket', 'bind'), null);
    assert.strictEqual(callOf('TcpListener', 'bind', ['TcpListener']), null);
  });
});
