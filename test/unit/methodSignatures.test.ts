/**
 * The std method table (`analysis/types/methodSignatures.ts`) and its interpreter: what a method
 * call gives for a few receivers, seen through the analysis (the types of values held across an
 * await) and through the interpreter directly.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';
import type { Ty } from '../../server/src/analysis/types/types';
import type { MethodCall } from '../../server/src/analysis/types/methodSignatures';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const signatures = loadServerModule<
  typeof import('../../server/src/analysis/types/methodSignatures')
>('analysis/types/methodSignatures');
const types =
  loadServerModule<typeof import('../../server/src/analysis/types/types')>('analysis/types/types');

/** The printed type of each named value `future` holds at its first await. */
function heldTypes(text: string, future: string): Map<string, string | null> {
  const report = engine.analyzeSource(text, { file: 'methods.rs', edition: '2021' });
  const found = report.futures.find((f) => f.name === future);
  assert.ok(found, `${future} in ${JSON.stringify(report.futures.map((f) => f.name))}`);
  const held = found.awaits[0].held.filter((h) => h.name !== null);
  return new Map(held.map((h) => [h.name as string, h.type]));
}

describe('std method table', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('types std method calls on collections, text, options and locks from the table', () => {
    const text = `
use std::sync::{Mutex, RwLock};
use std::cell::RefCell;
use std::collections::HashMap;
async fn pause() {}
pub async fn calls(m: &Mutex<Vec<u32>>, l: &RwLock<u64>, c: &RefCell<[u8; 4]>,
                   v: Vec<u8>, s: String,
                   map: HashMap<u32, String>, o: Option<String>) {
    let n = v.len();
    let first = v.first();
    let it = v.iter();
    let t = s.trim();
    let owned = s.clone();
    let got = map.get(&1);
    let d = o.as_deref();
    let r = o.as_ref().cloned();
    let bytes = 7u32.to_le_bytes();
    let g = m.lock().unwrap();
    let rg = l.read().unwrap();
    let b = c.borrow();
    let e = map.entry(3);
    let parsed = "5".parse::<u16>();
    let taken = v.iter().take(2);
    let u = o.unwrap();
    pause().await;
    drop((n, first, it, t, owned, got, d, r, bytes, g, rg, b, e, parsed, taken, u));
}
`;
    const held = heldTypes(text, 'calls');
    const expected: [string, string][] = [
      ['n', 'usize'],
      ['first', 'Option<&u8>'],
      ['it', 'Iter<u8>'],
      ['t', '&str'],
      ['owned', 'String'],
      ['got', 'Option<&String>'],
      ['d', 'Option<&str>'],
      ['r', 'Option<String>'],
      ['bytes', '[u8; 4]'],
      ['g', 'MutexGuard<Vec<u32>>'],
      ['rg', 'RwLockReadGuard<u64>'],
      ['b', 'Ref<[u8; 4]>'],
      ['e', 'Entry<u32, String>'],
      ['parsed', 'Result<u16, _>'],
      ['taken', 'Take<Iter<u8>>'],
      ['u', 'String'],
    ];
    for (const [name, ty] of expected) {
      assert.strictEqual(held.get(name), ty, name);
    }
  });

  it("prefers the file's own methods; unknown methods and other crates' locks stay unknown", () => {
    const text = `
async fn pause() {}
struct Meter;
impl Meter { fn len(&self) -> String { String::new() } }
pub async fn calls(w: Meter, v: Vec<u8>, tl: &tokio::sync::RwLock<u64>) {
    let own = w.len();
    let std_len = v.len();
    let unknown_method = v.frobnicate();
    let tokio_guard = tl.write();
    pause().await;
    drop((own, std_len, unknown_method, tokio_guard));
}
`;
    const held = heldTypes(text, 'calls');
    assert.strictEqual(held.get('own'), 'String');
    assert.strictEqual(held.get('std_len'), 'usize');
    assert.strictEqual(held.get('unknown_method'), 'type of `unknown_method`');
    assert.strictEqual(held.get('tokio_guard'), 'type of `tokio_guard`');
  });

  it('chooses the first case whose receiver test holds; types arguments only when asked', () => {
    const { adt, prim, ref, showTy } = types;
    const notAsked = (): Ty => {
      throw new Error('argument type asked');
    };
    const call = (receiver: Ty, argTy: (i: number) => Ty = notAsked): MethodCall => ({
      receiver,
      receiverAsWritten: receiver,
      argTy,
      turbofish: [],
    });
    const result = (method: string, c: MethodCall) => showTy(signatures.stdMethodResult(method, c));

    // `remove`: a map's value, a Vec's element, an Option of anything else's element.
    assert.strictEqual(
      result('remove', call(adt('HashMap', prim('u8'), prim('u64')))),
      'Option<u64>',
    );
    assert.strictEqual(result('remove', call(adt('Vec', prim('u16')))), 'u16');
    assert.strictEqual(result('remove', call(adt('VecDeque', prim('u16')))), 'Option<u16>');
    // `unwrap_or` of an Option is its value; of an unknown receiver, the default's type.
    assert.strictEqual(result('unwrap_or', call(adt('Option', prim('i8')))), 'i8');
    assert.strictEqual(
      result(
        'unwrap_or',
        call({ k: 'unknown', text: '_' }, () => prim('u32')),
      ),
      'u32',
    );
    assert.throws(() => result('map_or', call(adt('Option', prim('i8')))), /argument type asked/);
    // `copied` of an `Option<&T>` is a procedural case: `Option<T>`.
    assert.strictEqual(result('copied', call(adt('Option', ref(prim('u32'))))), 'Option<u32>');
    assert.strictEqual(result('copied', call(adt('Option', prim('u32')))), '_');
    assert.strictEqual(result('no_such_method', call(adt('Vec', prim('u8')))), '_');
  });
});

describe('std method table: sockets and wrappers', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it("types std sockets' addresses and std wrappers made by new; not other crates' sockets", () => {
    const text = `
async fn pause() {}
pub async fn calls(l: std::net::TcpListener, s: std::net::TcpStream, v: Vec<u8>,
                   tl: tokio::net::TcpListener) {
    let local = l.local_addr();
    let peer = s.peer_addr().unwrap();
    let cursor = std::io::Cursor::new(v);
    let kept = std::mem::ManuallyDrop::new(5u8);
    let theirs = tl.local_addr();
    pause().await;
    drop((local, peer, cursor, kept, theirs));
}
`;
    const held = heldTypes(text, 'calls');
    assert.strictEqual(held.get('local'), 'Result<SocketAddr>');
    assert.strictEqual(held.get('peer'), 'SocketAddr');
    assert.strictEqual(held.get('cursor'), 'Cursor<Vec<u8>>');
    assert.strictEqual(held.get('kept'), 'ManuallyDrop<u8>');
    assert.strictEqual(held.get('theirs'), 'type of `theirs`');
  });
});
