/**
 * Writes random, well-typed async Rust for comparing the engine with rustc: every generated fn
 * compiles (the generator tracks each local's type, whether it was moved and what borrows it),
 * and mixes the shapes whose layout rules are subtle: values held or dropped across awaits, moves
 * on branches and in matches, borrows, guards with drop glue, shadowing, reassignment, blocks,
 * loops, awaits inside operands, conditions and call arguments.
 *
 * The same seed always writes the same program, so a failure is replayed by its seed.
 */
import { randomSource } from './mutate';

/** The types a generated local can have. */
type Kind =
  | 'u8'
  | 'u64'
  | 'String'
  | 'Block'
  | 'Bytes'
  | 'Guard'
  | 'Maybe'
  | 'Pair'
  | 'Two'
  /** A `Two` whose `a` was moved out: only `b` may be read. */
  | 'TwoB'
  | 'Ref';

interface LocalVar {
  name: string;
  kind: Kind;
  /** For a `Ref`: the local it borrows. */
  of?: LocalVar;
  /** Declared in this scope depth (moves of outer locals are not allowed inside loops). */
  depth: number;
  loopDepth: number;
}

const RUST_TYPE: Record<Exclude<Kind, 'Ref'>, string> = {
  u8: 'u8',
  u64: 'u64',
  String: 'String',
  Block: '[u8; 64]',
  Bytes: 'Vec<u8>',
  Guard: 'Guard',
  Maybe: 'Option<String>',
  Pair: '(u64, String)',
  Two: 'Two',
  TwoB: 'Two',
};

const COPY_KINDS = new Set<Kind>(['u8', 'u64', 'Block', 'Ref', 'TwoB']);

/** What every generated file starts with: leaf futures of known sizes and helpers to use values. */
export const PRELUDE = `#![allow(unused, unused_mut, clippy::all)]
pub struct Guard { bytes: [u8; 16] }
impl Drop for Guard { fn drop(&mut self) {} }
impl Guard {
    fn new() -> Guard { Guard { bytes: [0; 16] } }
    fn peek(&self) -> u64 { self.bytes[0] as u64 }
}
async fn tick() {}
async fn count(n: u64) -> u64 { tick().await; n }
async fn text(n: u64) -> String { tick().await; "x".repeat(n as usize) }
async fn block64(n: u8) -> [u8; 64] { tick().await; [n; 64] }
async fn bytes(n: u64) -> Vec<u8> { tick().await; vec![0; n as usize] }
async fn maybe(n: u64) -> Option<String> { tick().await; if n > 1 { Some("y".repeat(n as usize)) } else { None } }
fn take<T>(_value: T) -> u64 { 1 }
fn look<T: ?Sized>(_value: &T) -> u64 { 2 }
pub struct Two { a: String, b: [u8; 32] }
`;

export interface GeneratedProgram {
  source: string;
  /** The generated fns' names, in order. */
  fns: string[];
}

/**
 * A program of `fnCount` generated async fns after the prelude. `extended` adds async blocks,
 * closures, partial moves out of a struct, destructuring, early returns, `while` loops, match
 * guards and awaited values passed by reference (the first shapes stay as they were, so a seed
 * without it writes what it always wrote).
 */
export function generateProgram(
  seed: number,
  fnCount: number,
  extended = false,
  operands = false,
): GeneratedProgram {
  const random = randomSource(seed);
  const fns: string[] = [];
  const parts = [PRELUDE];
  for (let i = 0; i < fnCount; i++) {
    const name = `g${seed}_${i}`;
    fns.push(name);
    parts.push(new FnWriter(random, name, extended, operands).write());
  }
  return { source: parts.join('\n'), fns };
}

class FnWriter {
  private readonly lines: string[] = [];
  private scopes: LocalVar[][] = [[]];
  private loopDepth = 0;
  private counter = 0;
  private budget = 14;

  constructor(
    private readonly random: () => number,
    private readonly name: string,
    private readonly extended: boolean,
    /** Also values made before a later operand's await (see `awaitedOperand`). */
    private readonly operands = false,
  ) {}

  write(): string {
    const params: string[] = [];
    const paramCount = this.int(3);
    for (let i = 0; i < paramCount; i++) {
      const kind = this.pick<Kind>(['u64', 'String', 'Block', 'Bytes', 'Guard', 'Maybe']);
      const local = this.declare(kind);
      params.push(`mut ${local.name}: ${RUST_TYPE[kind as Exclude<Kind, 'Ref'>]}`);
    }
    this.statements(1, 2 + this.int(5));
    const tail = this.readSomething() ?? '0';
    return [
      `pub async fn ${this.name}(${params.join(', ')}) -> u64 {`,
      ...this.lines,
      `    ${tail}`,
      '}',
      '',
    ].join('\n');
  }

  // ---- random choices ----

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  // ---- scopes and locals ----

  private emit(depth: number, text: string): void {
    this.lines.push('    '.repeat(depth) + text);
  }

  private visible(): LocalVar[] {
    const byName = new Map<string, LocalVar>();
    for (const scope of this.scopes) {
      for (const local of scope) {
        byName.set(local.name, local);
      }
    }
    return [...byName.values()];
  }

  private declare(kind: Kind, of?: LocalVar, reuseName?: string): LocalVar {
    const name = reuseName ?? `v${this.counter++}`;
    const local: LocalVar = {
      name,
      kind,
      of,
      depth: this.scopes.length,
      loopDepth: this.loopDepth,
    };
    this.scopes[this.scopes.length - 1].push(local);
    return local;
  }

  /** Forgets a local (moved, or maybe moved) and every reference to it. */
  private forget(local: LocalVar): void {
    for (const scope of this.scopes) {
      for (let i = scope.length - 1; i >= 0; i--) {
        if (scope[i] === local || scope[i].of === local) {
          scope.splice(i, 1);
        }
      }
    }
  }

  /** Locals that may be moved here: not declared outside the innermost loop. */
  private movable(): LocalVar[] {
    return this.visible().filter((l) => !COPY_KINDS.has(l.kind) && l.loopDepth === this.loopDepth);
  }

  // ---- expressions ----

  private amount(): number {
    return 1 + this.int(9);
  }

  /** An expression of `kind`, often with an await inside. */
  private produce(kind: Exclude<Kind, 'Ref'>): string {
    const n = this.amount();
    switch (kind) {
      case 'u8':
        return this.pick([`${n}u8`, `count(${n}).await as u8`]);
      case 'u64':
        return this.pick([
          `${n}u64`,
          `count(${n}).await`,
          `count(${n}).await + count(${this.amount()}).await`,
          this.readSomething() ?? `${n}u64`,
        ]);
      case 'String':
        return this.pick([`String::new()`, `text(${n}).await`, `format!("{}", count(${n}).await)`]);
      case 'Block':
        return this.pick([`[${n}u8; 64]`, `block64(${n}).await`]);
      case 'Bytes':
        return this.pick([`vec![1u8; ${n}]`, `bytes(${n}).await`]);
      case 'Guard':
        return 'Guard::new()';
      case 'Maybe':
        return this.pick([`maybe(${n}).await`, `Some(text(${n}).await)`]);
      case 'Pair':
        return `(count(${n}).await, text(${this.amount()}).await)`;
      case 'Two':
      case 'TwoB':
        return `Two { a: text(${n}).await, b: [${n}u8; 32] }`;
    }
  }

  /** A `u64` read from a live local, without moving it; null when none is visible. */
  private readSomething(): string | null {
    const locals = this.visible();
    if (locals.length === 0) {
      return null;
    }
    const l = this.pick(locals);
    switch (l.kind) {
      case 'u8':
        return `${l.name} as u64`;
      case 'u64':
        return l.name;
      case 'String':
      case 'Bytes':
        return `${l.name}.len() as u64`;
      case 'Block':
        return `${l.name}[0] as u64`;
      case 'Guard':
        return `${l.name}.peek()`;
      case 'Maybe':
        return `look(&${l.name})`;
      case 'Pair':
        return `${l.name}.0`;
      case 'Two':
        return `${l.name}.a.len() as u64`;
      case 'TwoB':
        return `${l.name}.b[0] as u64`;
      case 'Ref':
        return `look(${l.name})`;
    }
  }

  private condition(): string {
    return this.pick([
      'true',
      `count(${this.amount()}).await > 3`,
      `${this.readSomething() ?? '1'} > 2`,
      `text(${this.amount()}).await.len() > 4`,
    ]);
  }

  // ---- statements ----

  private statements(depth: number, count: number): void {
    for (let i = 0; i < count && this.budget > 0; i++) {
      this.budget--;
      this.statement(depth);
    }
  }

  private statement(depth: number): void {
    if (this.extended && this.chance(0.3)) {
      this.extendedStatement(depth);
      return;
    }
    const roll = this.random();
    if (roll < 0.3) {
      this.letStatement(depth);
    } else if (roll < 0.42) {
      this.emit(depth, 'tick().await;');
    } else if (roll < 0.52) {
      this.moveStatement(depth);
    } else if (roll < 0.58) {
      this.borrowStatement(depth);
    } else if (roll < 0.66) {
      this.block(depth);
    } else if (roll < 0.76) {
      this.ifStatement(depth);
    } else if (roll < 0.82) {
      this.loopStatement(depth);
    } else if (roll < 0.88) {
      this.matchStatement(depth);
    } else if (roll < 0.93) {
      this.reassign(depth);
    } else {
      this.emit(depth, `let _ = ${this.readSomething() ?? '0'} + count(${this.amount()}).await;`);
    }
  }

  private letStatement(depth: number): void {
    const kind = this.pick<Exclude<Kind, 'Ref'>>([
      'u8',
      'u64',
      'u64',
      'String',
      'String',
      'Block',
      'Bytes',
      'Guard',
      'Maybe',
      'Pair',
    ]);
    const value = this.produce(kind);
    const shadowed = this.chance(0.15) ? this.visible().find((l) => l.kind !== 'Ref') : undefined;
    if (kind === 'Guard' && this.chance(0.3)) {
      // `_` drops at once; `_g` lives to the scope's end.
      this.emit(depth, `let ${this.pick(['_', '_g'])} = ${value};`);
      return;
    }
    const local = this.declare(kind, undefined, shadowed?.name);
    if (shadowed) {
      this.forgetShadowed(shadowed, local);
    }
    this.emit(depth, `let mut ${local.name} = ${value};`);
  }

  /** A shadowed local is still alive but unnamed: references to it keep working by their own name. */
  private forgetShadowed(shadowed: LocalVar, replacement: LocalVar): void {
    for (const scope of this.scopes) {
      const i = scope.indexOf(shadowed);
      if (i >= 0 && scope[i] !== replacement) {
        scope.splice(i, 1);
      }
    }
  }

  private moveStatement(depth: number): void {
    const candidates = this.movable();
    if (candidates.length === 0) {
      this.emit(depth, 'tick().await;');
      return;
    }
    const local = this.pick(candidates);
    this.emit(depth, this.pick([`drop(${local.name});`, `let _ = take(${local.name});`]));
    this.forget(local);
  }

  private borrowStatement(depth: number): void {
    const targets = this.visible().filter((l) => l.kind !== 'Ref' && l.kind !== 'TwoB');
    if (targets.length === 0) {
      this.emit(depth, 'tick().await;');
      return;
    }
    const target = this.pick(targets);
    const reference = this.declare('Ref', target);
    this.emit(depth, `let ${reference.name} = &${target.name};`);
  }

  private inScope(body: () => void): void {
    this.scopes.push([]);
    body();
    this.scopes.pop();
  }

  private block(depth: number): void {
    this.emit(depth, '{');
    this.inScope(() => this.statements(depth + 1, 1 + this.int(3)));
    this.emit(depth, '}');
  }

  /** Locals moved on one branch are maybe-moved after the `if`: no later code may name them. */
  private branch(depth: number): Set<LocalVar> {
    const before = new Set(this.visible());
    this.inScope(() => this.statements(depth + 1, 1 + this.int(3)));
    return new Set([...before].filter((l) => !this.visible().includes(l)));
  }

  private ifStatement(depth: number): void {
    const saved = this.scopes.map((s) => [...s]);
    this.emit(depth, `if ${this.condition()} {`);
    const movedThen = this.branch(depth);
    this.scopes = saved.map((s) => [...s]);
    this.emit(depth, '} else {');
    const movedElse = this.branch(depth);
    this.scopes = saved;
    this.emit(depth, '}');
    for (const l of [...movedThen, ...movedElse]) {
      this.forget(l);
    }
  }

  private loopStatement(depth: number): void {
    this.emit(depth, `for _ in 0..${1 + this.int(3)} {`);
    this.loopDepth++;
    this.inScope(() => this.statements(depth + 1, 1 + this.int(3)));
    this.loopDepth--;
    this.emit(depth, '}');
  }

  private matchStatement(depth: number): void {
    const options = this.movable().filter((l) => l.kind === 'Maybe');
    if (options.length === 0) {
      this.letStatement(depth);
      return;
    }
    const scrutinee = this.pick(options);
    const byRef = this.chance(0.4);
    if (!byRef) {
      this.forget(scrutinee);
    }
    const saved = this.scopes.map((s) => [...s]);
    this.emit(depth, `match ${byRef ? '&' : ''}${scrutinee.name} {`);
    const inner = `inner${this.counter++}`;
    this.emit(depth + 1, byRef ? `Some(${inner}) => {` : `Some(mut ${inner}) => {`);
    let moved = new Set<LocalVar>();
    this.inScope(() => {
      this.declare(byRef ? 'Ref' : 'String', byRef ? scrutinee : undefined, inner);
      moved = this.branch(depth + 1);
    });
    this.scopes = saved.map((s) => [...s]);
    this.emit(depth + 1, '}');
    this.emit(depth + 1, 'None => {');
    const movedNone = this.branch(depth + 1);
    this.scopes = saved;
    this.emit(depth + 1, '}');
    this.emit(depth, '}');
    for (const l of [...moved, ...movedNone]) {
      this.forget(l);
    }
  }

  // ---- the extended shapes ----

  private extendedStatement(depth: number): void {
    // Drawn only when asked for, so the extended programs of a seed stay what they were.
    if (this.operands && this.chance(0.4)) {
      this.awaitedOperand(depth);
      return;
    }
    const shapes = [
      () => this.asyncBlock(depth),
      () => this.closure(depth),
      () => this.partialMove(depth),
      () => this.destructure(depth),
      () => this.earlyReturn(depth),
      () => this.whileLoop(depth),
      () => this.guardedMatch(depth),
      () => this.emit(depth, `let _ = look(&text(${this.amount()}).await) + count(1).await;`),
      () => this.mutexGuard(depth),
    ];
    this.pick(shapes)();
  }

  /**
   * A value made before a later operand awaits, held across that await: a method's receiver
   * (copied, or borrowed: `v.push(x.await)`), a closure callee, an indexed `Vec`, `vec!` and
   * `format!` arguments, a call's result passed on while it consumed held temporaries.
   */
  private awaitedOperand(depth: number): void {
    const read = this.readSomething() ?? `${this.amount()}u64`;
    const n = this.amount();
    // A `Vec` pushed to must not be borrowed by a reference used later.
    const bytes = this.visible().filter(
      (l) =>
        l.kind === 'Bytes' &&
        l.loopDepth === this.loopDepth &&
        !this.visible().some((r) => r.of === l),
    );
    const shapes = [
      `(${read}).max(count(${n}).await)`,
      `u64::max((${read}).min(count(${n}).await), count(1).await)`,
      `take(take(${read}) + count(${n}).await)`,
      `vec![${read}, count(${n}).await].len() as u64`,
      `vec![text(${n}).await, text(1).await].len() as u64`,
      `format!("{}{}", ${read}, count(${n}).await).len() as u64`,
      `(${read}..count(${n}).await).count() as u64`,
    ];
    const closure = `c${this.counter++}`;
    if (this.chance(0.2)) {
      this.emit(depth, `let ${closure} = |a: u64, b: u64| a + b;`);
      shapes.length = 0;
      shapes.push(`${closure}(${read}, count(${n}).await)`);
    } else if (bytes.length > 0 && this.chance(0.3)) {
      const v = this.pick(bytes);
      shapes.length = 0;
      shapes.push(
        `{ ${v.name}.push(count(${n}).await as u8); ${v.name}.len() as u64 }`,
        `${v.name}.get(count(0).await as usize).copied().unwrap_or(0) as u64`,
      );
    }
    this.emit(depth, `let mut ${this.declare('u64').name} = ${this.pick(shapes)};`);
  }

  /** An async block, often holding what it captures across an await before it is awaited. */
  private asyncBlock(depth: number): void {
    const name = `f${this.counter++}`;
    const captured = this.chance(0.5) ? this.movable() : [];
    if (captured.length > 0) {
      const local = this.pick(captured);
      const read = this.readOf(local);
      this.emit(depth, `let ${name} = async move { tick().await; ${read} };`);
      this.forget(local);
    } else {
      const read = this.readSomething() ?? '1u64';
      this.emit(depth, `let ${name} = async { count(${this.amount()}).await + ${read} };`);
    }
    if (this.chance(0.5)) {
      this.emit(depth, 'tick().await;');
    }
    this.emit(depth, `let mut ${this.declare('u64').name} = ${name}.await;`);
  }

  /** A closure that borrows or takes a local, called now or after an await. */
  private closure(depth: number): void {
    const name = `c${this.counter++}`;
    const movable = this.movable();
    if (movable.length > 0 && this.chance(0.5)) {
      const local = this.pick(movable);
      this.emit(depth, `let ${name} = move || take(${local.name});`);
      this.forget(local);
    } else {
      this.emit(depth, `let ${name} = || ${this.readSomething() ?? '3u64'};`);
    }
    if (this.chance(0.5)) {
      this.emit(depth, 'tick().await;');
    }
    this.emit(depth, `let mut ${this.declare('u64').name} = ${name}();`);
  }

  /** `drop(t.a)`: the rest of the struct stays, and only it may be used after. */
  private partialMove(depth: number): void {
    const structs = this.movable().filter((l) => l.kind === 'Two');
    if (structs.length === 0) {
      const local = this.declare('Two');
      this.emit(depth, `let mut ${local.name} = ${this.produce('Two')};`);
      return;
    }
    const local = this.pick(structs);
    this.emit(depth, this.pick([`drop(${local.name}.a);`, `let _ = take(${local.name}.a);`]));
    for (const scope of this.scopes) {
      for (let i = scope.length - 1; i >= 0; i--) {
        if (scope[i].of === local) {
          scope.splice(i, 1);
        }
      }
    }
    local.kind = 'TwoB';
  }

  private destructure(depth: number): void {
    const a = this.declare('u64');
    const b = this.declare('String');
    const value = `(count(${this.amount()}).await, text(${this.amount()}).await)`;
    this.emit(depth, `let (mut ${a.name}, mut ${b.name}) = ${value};`);
  }

  private earlyReturn(depth: number): void {
    this.emit(depth, `if ${this.condition()} {`);
    this.emit(depth + 1, `return ${this.readSomething() ?? '0'};`);
    this.emit(depth, '}');
  }

  private whileLoop(depth: number): void {
    this.emit(depth, `while count(${this.amount()}).await > 100 {`);
    this.loopDepth++;
    this.inScope(() => this.statements(depth + 1, 1 + this.int(2)));
    this.loopDepth--;
    this.emit(depth, '}');
  }

  private guardedMatch(depth: number): void {
    const saved = this.scopes.map((scope) => [...scope]);
    const bound = `n${this.counter++}`;
    this.emit(depth, `match count(${this.amount()}).await {`);
    this.emit(depth + 1, `mut ${bound} if ${bound} > 3 => {`);
    let moved = new Set<LocalVar>();
    this.inScope(() => {
      this.declare('u64', undefined, bound);
      moved = this.branch(depth + 1);
    });
    this.scopes = saved.map((scope) => [...scope]);
    this.emit(depth + 1, '}');
    this.emit(depth + 1, '_ => {');
    const movedOther = this.branch(depth + 1);
    this.scopes = saved;
    this.emit(depth + 1, '}');
    this.emit(depth, '}');
    for (const l of [...moved, ...movedOther]) {
      this.forget(l);
    }
  }

  /** A `std::sync::Mutex` guard dropped before an await, or held across one. */
  private mutexGuard(depth: number): void {
    const mutex = `m${this.counter++}`;
    const guard = `g${this.counter++}`;
    this.emit(depth, `let ${mutex} = std::sync::Mutex::new(${this.amount()}u64);`);
    this.emit(depth, `let ${guard} = ${mutex}.lock().unwrap();`);
    if (this.chance(0.5)) {
      this.emit(depth, `drop(${guard});`);
    }
    this.emit(depth, 'tick().await;');
  }

  /** A `u64` read of one given local (see `readSomething`). */
  private readOf(local: LocalVar): string {
    switch (local.kind) {
      case 'String':
      case 'Bytes':
        return `${local.name}.len() as u64`;
      case 'Guard':
        return `${local.name}.peek()`;
      case 'Pair':
        return `${local.name}.0`;
      case 'Two':
        return `${local.name}.a.len() as u64`;
      default:
        return `look(&${local.name})`;
    }
  }

  private reassign(depth: number): void {
    const targets = this.visible().filter(
      (l) => l.kind !== 'Ref' && l.kind !== 'Guard' && l.loopDepth === this.loopDepth,
    );
    if (targets.length === 0) {
      this.emit(depth, 'tick().await;');
      return;
    }
    const target = this.pick(targets);
    // Borrows of the old value end here: no later code may use them.
    for (const scope of this.scopes) {
      for (let i = scope.length - 1; i >= 0; i--) {
        if (scope[i].of === target) {
          scope.splice(i, 1);
        }
      }
    }
    this.emit(depth, `${target.name} = ${this.produce(target.kind as Exclude<Kind, 'Ref'>)};`);
  }
}
