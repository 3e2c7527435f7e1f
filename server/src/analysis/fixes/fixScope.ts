/**
 * Whether moving a run of statements into a new block keeps the code compiling: which bindings
 * must be returned from the block, whether a returned value may borrow a local of the block, and
 * whether a statement may store such a borrow in a place that outlives the block.
 *
 * Syntax only, so it is conservative: "owned" means provably free of borrows of the block's
 * locals; anything unknown counts as a possible borrow (the fix is then offered, not preferred).
 * Answers that are sure ("this borrows `buf`") make the planner drop the fix altogether.
 */
import { macroName } from '../syntax/macros';
import type { SyntaxNode } from '../syntax/parser';
import type { FileReport } from '../report';
import {
  ARGUMENT_BORROWING_MACROS,
  PatternBinding,
  children,
  enclosingMacro,
  extendsTemporary,
  letBindings,
  mentionsOf,
  named,
  patternBindings,
  placeRoot,
  statementsOf,
  usesAfter,
} from './fixSyntax';

interface FnSig {
  ret: SyntaxNode | null;
  /** The fn or its impl declares type or lifetime parameters (it could tie an argument to another). */
  generic: boolean;
  /** Explicit lifetimes in the parameter list. */
  lifetimes: boolean;
  /** Calling it returns a future that captures the arguments. */
  isAsync: boolean;
  /** It takes `self` in some form (a method). */
  method: boolean;
}

/**
 * What the file declares, for questions about return types and lifetimes. Read on first use: most
 * files have no value a fix could free, and then nobody asks.
 */
export class ItemTable {
  private declared: Declared | null = null;

  constructor(private readonly root: SyntaxNode) {}

  get fns(): Map<string, FnSig[]> {
    return this.read().fns;
  }

  /**
   * The file's methods named `name` (they take `self`): `x.name()` calls one of them or another
   * crate's method, never a free fn of that name (tokio's tests name a test `try_acquire`).
   */
  methods(name: string): FnSig[] | undefined {
    const sigs = this.fns.get(name)?.filter((s) => s.method);
    return sigs && sigs.length > 0 ? sigs : undefined;
  }

  /** The fns named `name` that `name(..)` may call: those without `self`. */
  freeFns(name: string): FnSig[] | undefined {
    const sigs = this.fns.get(name)?.filter((s) => !s.method);
    return sigs && sigs.length > 0 ? sigs : undefined;
  }

  get types(): Map<string, { lifetimes: boolean; typeParams: number }> {
    return this.read().types;
  }

  /** A free fn named `drop` would capture `drop(x)`. */
  get shadowsDrop(): boolean {
    return this.read().shadowsDrop;
  }

  private read(): Declared {
    this.declared ??= declaredIn(this.root);
    return this.declared;
  }
}

interface Declared {
  fns: Map<string, FnSig[]>;
  types: Map<string, { lifetimes: boolean; typeParams: number }>;
  shadowsDrop: boolean;
}

function declaredIn(root: SyntaxNode): Declared {
  const declared: Declared = { fns: new Map(), types: new Map(), shadowsDrop: false };
  for (const fn of root.descendantsOfType('function_item')) {
    if (!fn) {
      continue;
    }
    const name = fn.childForFieldName('name')?.text ?? '';
    const impl = enclosing(fn, 'impl_item');
    const params = fn.childForFieldName('parameters');
    const mods = children(fn).find((c) => c.type === 'function_modifiers');
    const sig: FnSig = {
      ret: fn.childForFieldName('return_type'),
      generic:
        fn.childForFieldName('type_parameters') !== null ||
        (impl?.childForFieldName('type_parameters') ?? null) !== null,
      // `'static` and `'_` tie no argument to another.
      lifetimes: params
        ? params.descendantsOfType('lifetime').some((l) => !/^'(static|_)$/.test(l?.text ?? ''))
        : false,
      isAsync: mods !== undefined && children(mods).some((c) => c.type === 'async'),
      method: params ? named(params).some((p) => p.type === 'self_parameter') : false,
    };
    const list = declared.fns.get(name);
    if (list) {
      list.push(sig);
    } else {
      declared.fns.set(name, [sig]);
    }
    if (name === 'drop' && !impl && !enclosing(fn, 'trait_item')) {
      declared.shadowsDrop = true;
    }
  }
  for (const t of root.descendantsOfType(['struct_item', 'enum_item', 'union_item', 'type_item'])) {
    if (!t) {
      continue;
    }
    const params = t.childForFieldName('type_parameters');
    const kids = params ? named(params) : [];
    declared.types.set(t.childForFieldName('name')?.text ?? '', {
      lifetimes: kids.some(
        (k) =>
          k.type === 'lifetime' ||
          k.type === 'lifetime_parameter' ||
          k.descendantsOfType('lifetime').length > 0,
      ),
      typeParams: kids.filter((k) => k.type !== 'lifetime' && k.type !== 'lifetime_parameter')
        .length,
    });
  }
  return declared;
}

function enclosing(node: SyntaxNode, type: string): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === type) {
      return n;
    }
  }
  return null;
}

const OWNED_LEAF_TYPES = new Set([
  'String',
  'PathBuf',
  'OsString',
  'CString',
  'Duration',
  'Instant',
  'SystemTime',
  'Ipv4Addr',
  'Ipv6Addr',
  'IpAddr',
  'SocketAddr',
  'SocketAddrV4',
  'SocketAddrV6',
  'File',
  'TcpStream',
  'TcpListener',
  'UdpSocket',
  'Error',
  'ErrorKind',
  'Ordering',
  'ParseIntError',
  'Utf8Error',
  'FromUtf8Error',
  'AtomicBool',
  'AtomicUsize',
  'AtomicU64',
  'AtomicU32',
]);
const OWNED_GENERIC_TYPES = new Set([
  'Vec',
  'VecDeque',
  'Option',
  'Result',
  'Box',
  'Rc',
  'Arc',
  'HashMap',
  'HashSet',
  'BTreeMap',
  'BTreeSet',
  'BinaryHeap',
  'LinkedList',
  'Mutex',
  'RwLock',
  'Cell',
  'RefCell',
  'Wrapping',
  'Reverse',
  'Saturating',
]);
const PATH_WORDS = new Set([
  'std',
  'core',
  'alloc',
  'io',
  'fmt',
  'collections',
  'sync',
  'time',
  'net',
  'path',
  'ffi',
  'rc',
  'cell',
  'num',
  'cmp',
  'string',
  'vec',
  'boxed',
  'atomic',
  'mpsc',
  'hash_map',
]);
const PRIMITIVES = new Set([
  'u8',
  'u16',
  'u32',
  'u64',
  'u128',
  'usize',
  'i8',
  'i16',
  'i32',
  'i64',
  'i128',
  'isize',
  'f32',
  'f64',
  'bool',
  'char',
]);

/** Methods whose result never borrows from the receiver or the arguments. */
const OWNED_RESULT_METHODS = new Set([
  'len',
  'count',
  'is_empty',
  'is_some',
  'is_none',
  'is_ok',
  'is_err',
  'contains',
  'contains_key',
  'starts_with',
  'ends_with',
  'to_string',
  'to_owned',
  'to_vec',
  'into_bytes',
  'into_owned',
  'to_be_bytes',
  'to_le_bytes',
  'to_ne_bytes',
  'as_secs',
  'as_millis',
  'as_micros',
  'as_nanos',
  'as_secs_f32',
  'as_secs_f64',
  'elapsed',
  'capacity',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'cmp',
  'partial_cmp',
  'pow',
  'abs',
  'count_ones',
  'count_zeros',
  'leading_zeros',
  'trailing_zeros',
  'is_ascii',
  'to_uppercase',
  'to_lowercase',
  'to_ascii_uppercase',
  'to_ascii_lowercase',
  'len_utf8',
  'is_power_of_two',
  'next_power_of_two',
  'signum',
  'is_positive',
  'is_negative',
  'any',
  'all',
  'position',
  'sum',
  'product',
  'is_char_boundary',
  'concat',
  'join',
  'repeat',
]);
const ARITHMETIC_METHOD = /^(wrapping|saturating|checked|overflowing)_/;
/** Methods returning their receiver's own type (or its payload): owned when the receiver and arguments are. */
const SAME_AS_RECEIVER_METHODS = new Set([
  'clamp',
  'clone',
  'unwrap',
  'expect',
  'unwrap_or',
  'unwrap_or_default',
  'unwrap_or_else',
  'ok',
  'err',
  'rotate_left',
  'rotate_right',
  'swap_bytes',
  'reverse_bits',
]);
/** Iterator methods returning one of the items (or an Option of it). */
const ITEM_RESULT_METHODS = new Set([
  'next',
  'nth',
  'find',
  'max_by_key',
  'min_by_key',
  'max_by',
  'min_by',
  'reduce',
  'collect',
  'next_back',
]);
/** Iterator adapters whose items are the receiver's items. */
const PASS_THROUGH_ADAPTERS = new Set([
  'enumerate',
  'rev',
  'skip',
  'take',
  'step_by',
  'filter',
  'skip_while',
  'take_while',
  'peekable',
  'fuse',
  'inspect',
  'cycle',
]);
/** Iterators whose items are references into their receiver. */
const BORROWING_ITEMS =
  /^(iter|iter_mut|split\w*|rsplit\w*|lines|keys|values|values_mut|windows|chunks\w*|matches|drain)$/;
/** Methods returning a reference (or a view) into their receiver. */
const BORROWING_RESULT =
  /^(as_\w+|borrow|borrow_mut|lock|read|write|get|get_mut|first|last|first_mut|last_mut|trim\w*|split_at\w*|strip_prefix|strip_suffix|deref|deref_mut)$/;
/** Methods that may keep an argument inside the receiver. */
const STORING_METHODS = new Set([
  'push',
  'push_back',
  'push_front',
  'insert',
  'extend',
  'append',
  'entry',
  'or_insert',
  'or_insert_with',
  'set',
  'replace',
  'get_or_insert',
  'get_or_insert_with',
  'send',
  'try_send',
  'store',
  'swap',
  'put',
  'register',
  'spawn',
  'add',
  'attach',
  'subscribe',
  'resize',
  'fill',
  'splice',
  'push_str',
  'extend_from_slice',
  'clone_from',
  'get_or_init',
]);
/** Storing methods that copy the referenced data rather than keep the reference. */
const COPYING_METHODS = new Set([
  'extend_from_slice',
  'push_str',
  'clone_from',
  'fill',
  'copy_from_slice',
  'clone_from_slice',
]);
/** Methods that take `&self` (or `self` by copy): calling them does not need a `mut` binding. */
const READ_ONLY_METHODS = new Set([
  'iter',
  'len',
  'is_empty',
  'get',
  'contains',
  'contains_key',
  'first',
  'last',
  'as_slice',
  'as_str',
  'as_bytes',
  'starts_with',
  'ends_with',
  'to_vec',
  'to_string',
  'to_owned',
  'clone',
  'chars',
  'bytes',
  'split',
  'lines',
  'keys',
  'values',
  'eq',
  'ne',
  'cmp',
  'partial_cmp',
  'windows',
  'chunks',
  'trim',
  'find',
  'position',
  'binary_search',
  'capacity',
  'is_some',
  'is_none',
  'is_ok',
  'is_err',
  'as_ref',
  'map',
  'unwrap_or',
  'elapsed',
  'as_secs',
  'as_millis',
  'to_be_bytes',
  'to_le_bytes',
  'count',
  'min',
  'max',
  'abs',
  'pow',
  'split_whitespace',
  'parse',
  'borrow',
  'lock',
  'read',
]);
/** Macros whose arguments are only formatted or compared, never stored. */
const NON_STORING_MACROS = new Set([
  ...ARGUMENT_BORROWING_MACROS,
  'dbg',
  'matches',
  'vec',
  'concat',
  'stringify',
  'cfg',
  'line',
  'file',
  'column',
]);

const LITERALS = new Set([
  'integer_literal',
  'float_literal',
  'string_literal',
  'raw_string_literal',
  'char_literal',
  'boolean_literal',
  'unit_expression',
]);
const COMPARISON_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||']);

/** A binding of the block that the code after it still uses. */
export interface ExportedBinding {
  name: string;
  decl: SyntaxNode;
  mutable: boolean;
  byRef: boolean;
}

/** A method call split into its parts (turbofish included: `x.sum::<u32>()`). */
interface MethodCall {
  name: string;
  receiver: SyntaxNode;
  args: SyntaxNode[];
}

function methodCall(e: SyntaxNode): MethodCall | null {
  if (e.type !== 'call_expression') {
    return null;
  }
  let fn = e.childForFieldName('function');
  if (fn?.type === 'generic_function') {
    fn = fn.childForFieldName('function');
  }
  if (fn?.type !== 'field_expression') {
    return null;
  }
  const receiver = fn.childForFieldName('value');
  const args = e.childForFieldName('arguments');
  return receiver
    ? { name: fn.childForFieldName('field')?.text ?? '', receiver, args: args ? named(args) : [] }
    : null;
}

/** `e` without parentheses and `?` (which keep any borrow the value holds). */
function unparen(e: SyntaxNode): SyntaxNode {
  let n = e;
  while (
    (n.type === 'parenthesized_expression' || n.type === 'try_expression') &&
    named(n).length === 1
  ) {
    n = named(n)[0];
  }
  return n;
}

/** Identifiers used as variables (not path segments, field names, macro or fn names). */
function variableRefs(node: SyntaxNode): string[] {
  return node
    .descendantsOfType(['identifier', 'self'])
    .filter((id): id is SyntaxNode => id !== null)
    .filter((id) => {
      const p = id.parent;
      if (!p) {
        return true;
      }
      if (
        p.type === 'scoped_identifier' ||
        p.type === 'scoped_type_identifier' ||
        p.type === 'label'
      ) {
        return false;
      }
      if (p.type === 'macro_invocation' && p.childForFieldName('macro')?.id === id.id) {
        return false;
      }
      if (p.type === 'call_expression' && p.childForFieldName('function')?.id === id.id) {
        return false;
      }
      return true;
    })
    .map((id) => id.text);
}

/**
 * The statements that go into the new block (`range`) and those after it in the same block
 * (`after`): which bindings must be returned, and whether anything in the block could keep a
 * borrow of its locals beyond it.
 */
export class RangeScope {
  /** Every name bound anywhere in the range (nested patterns and closure parameters included). */
  private readonly inner = new Set<string>();
  /** The last statement-level `let` of each name in the range. */
  private readonly lets = new Map<string, { decl: SyntaxNode; binding: PatternBinding }>();
  /** Names bound in nested patterns, with the construct that binds them. */
  private readonly nested = new Map<string, SyntaxNode[]>();
  private readonly owning = new Map<string, boolean>();
  private exportedNames = new Set<string>();
  private places: Set<string> | null = null;

  constructor(
    private readonly range: SyntaxNode[],
    private readonly after: SyntaxNode[],
    private readonly items: ItemTable,
    private readonly report: FileReport,
    /** A macro's arguments parsed as expressions (empty when they do not parse as such). */
    private readonly macroArguments: (macro: SyntaxNode) => SyntaxNode[] = () => [],
  ) {
    for (const stmt of range) {
      if (stmt.type === 'let_declaration') {
        for (const b of letBindings(stmt)) {
          this.lets.set(b.name, { decl: stmt, binding: b });
          this.inner.add(b.name);
        }
      }
      for (const site of stmt.descendantsOfType([
        'let_declaration',
        'for_expression',
        'match_arm',
        'let_condition',
        'closure_parameters',
      ])) {
        if (!site || site.id === stmt.id) {
          continue;
        }
        const pattern =
          site.type === 'closure_parameters' ? site : site.childForFieldName('pattern');
        for (const b of pattern ? patternBindings(pattern) : []) {
          this.inner.add(b.name);
          this.nested.set(b.name, [...(this.nested.get(b.name) ?? []), site]);
        }
      }
    }
  }

  /** Bindings of the range still used after it, in declaration order. */
  exported(): ExportedBinding[] {
    const out: ExportedBinding[] = [];
    for (const [name, { decl, binding }] of this.lets) {
      if (usesAfter(this.after, 0, name).mentions.length > 0) {
        out.push({ name, decl, mutable: binding.mutable, byRef: binding.byRef });
      }
    }
    out.sort((a, b) => a.decl.startIndex - b.decl.startIndex);
    this.exportedNames = new Set(out.map((e) => e.name));
    this.places = null;
    return out;
  }

  /** A returned binding declared `mut` keeps `mut` outside only when the code after the block may mutate it. */
  mutatedAfter(name: string): boolean {
    return usesAfter(this.after, 0, name).mentions.some(({ node }) => {
      if (node.parent?.type === 'token_tree') {
        if (['write', 'writeln'].includes(macroName(enclosingMacro(node)))) {
          return true;
        }
        // Inside a macro's tokens (`assert_eq!(s.next().await, ..)`): a method call is a mutation
        // unless known to take `&self`, and so is `&mut x`.
        const dot = node.nextSibling;
        const method = dot?.nextSibling;
        const call = method?.nextSibling;
        if (
          dot?.type === '.' &&
          method?.type === 'identifier' &&
          call?.type === 'token_tree' &&
          call.text.startsWith('(')
        ) {
          return !READ_ONLY_METHODS.has(method.text);
        }
        const before = node.previousSibling;
        return (
          (before?.type === 'mutable_specifier' || before?.text === 'mut') &&
          before.previousSibling?.type === '&'
        );
      }
      // The whole place expression the use is part of: `x`, `x.field`, `x[i].field`.
      let place = node;
      while (
        place.parent &&
        ((place.parent.type === 'field_expression' &&
          place.parent.childForFieldName('value')?.id === place.id) ||
          (place.parent.type === 'index_expression' && named(place.parent)[0]?.id === place.id))
      ) {
        const up = place.parent;
        if (
          up.type === 'field_expression' &&
          up.parent?.type === 'call_expression' &&
          up.parent.childForFieldName('function')?.id === up.id
        ) {
          // `x.method()`: a mutation unless the method is known to take `&self`.
          return !READ_ONLY_METHODS.has(up.childForFieldName('field')?.text ?? '');
        }
        place = up;
      }
      const p = place.parent;
      if (!p) {
        return true;
      }
      if (
        (p.type === 'assignment_expression' || p.type === 'compound_assignment_expr') &&
        p.childForFieldName('left')?.id === place.id
      ) {
        return true;
      }
      return (
        p.type === 'reference_expression' && children(p).some((c) => c.type === 'mutable_specifier')
      );
    });
  }

  /** The value of `name` holds no borrow of the range's locals (every place that binds it agrees). */
  ownedBinding(name: string): boolean {
    const cached = this.owning.get(name);
    if (cached !== undefined) {
      return cached;
    }
    this.owning.set(name, false);
    const entry = this.lets.get(name);
    const sites = this.nested.get(name) ?? [];
    let result = entry !== undefined || sites.length > 0;
    if (entry) {
      result = !entry.binding.byRef && this.letOwned(name, entry.decl, entry.binding);
    }
    for (const site of sites) {
      if (site.type === 'let_declaration') {
        const binding = letBindings(site).find((b) => b.name === name);
        result &&= binding !== undefined && !binding.byRef && this.letOwned(name, site, binding);
      } else {
        const value = site.type === 'for_expression' ? site.childForFieldName('value') : null;
        result &&= value !== null && this.itemsOwned(value);
      }
    }
    this.owning.set(name, result);
    return result;
  }

  private letOwned(name: string, decl: SyntaxNode, binding: PatternBinding): boolean {
    const type = decl.childForFieldName('type');
    const value = decl.childForFieldName('value');
    if (type) {
      return this.typeOwned(type);
    }
    if (this.heldTypeOwned(name, binding.node)) {
      return true;
    }
    return value !== null && this.ownedExpr(value);
  }

  private surelyBorrowsExpr(e: SyntaxNode): boolean {
    const n = unparen(e);
    const inRange = (root: string | null) => root !== null && this.lets.has(root);
    if (n.type === 'reference_expression') {
      return inRange(placeRoot(n.childForFieldName('value')));
    }
    if (
      (n.type === 'closure_expression' || n.type === 'async_block') &&
      !children(n).some((c) => c.type === 'move')
    ) {
      return this.mentionsInner(n);
    }
    const m = methodCall(n);
    if (m) {
      if (BORROWING_RESULT.test(m.name) || BORROWING_ITEMS.test(m.name)) {
        return inRange(placeRoot(m.receiver));
      }
      if (m.name === 'collect' || PASS_THROUGH_ADAPTERS.has(m.name)) {
        return this.itemsSurelyBorrowed(m.receiver);
      }
      return false;
    }
    if (n.type === 'call_expression') {
      const fn = n.childForFieldName('function');
      const sigs = fn?.type === 'identifier' ? this.items.freeFns(fn.text) : undefined;
      const args = n.childForFieldName('arguments');
      return (
        sigs !== undefined &&
        sigs.every((s) => s.isAsync) &&
        args !== null &&
        named(args).some((a) => a.type === 'reference_expression' && inRange(placeRoot(a)))
      );
    }
    return false;
  }

  private itemsSurelyBorrowed(e: SyntaxNode): boolean {
    const m = methodCall(unparen(e));
    if (!m) {
      return false;
    }
    if (BORROWING_ITEMS.test(m.name)) {
      return placeRoot(m.receiver) !== null && this.lets.has(placeRoot(m.receiver)!);
    }
    return PASS_THROUGH_ADAPTERS.has(m.name) && this.itemsSurelyBorrowed(m.receiver);
  }

  /**
   * Statements that could store a borrow of the range's locals in a place that outlives the block.
   * `sure` ones would not compile once the block exists; `maybe` ones are only not proven safe.
   */
  storeRisks(): { sure: string[]; maybe: string[] } {
    const sure = new Set<string>();
    const maybe = new Set<string>();
    const places = this.escapingPlaces();
    const isPlace = (root: string | null) =>
      root === null || places.has(root) || !this.inner.has(root);
    const record = (certain: boolean, what: string) => (certain ? sure : maybe).add(what);
    const visit = (n: SyntaxNode) => {
      switch (n.type) {
        case 'assignment_expression':
        case 'compound_assignment_expr': {
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          const root = left ? placeRoot(left) : null;
          if (
            left &&
            right &&
            isPlace(root) &&
            !this.ownedExpr(right) &&
            !this.typeHoldsNoBorrow(root)
          ) {
            record(
              this.surelyBorrowsExpr(right),
              `line ${n.startPosition.row + 1} may store a borrow in \`${left.text}\``,
            );
          }
          break;
        }
        case 'call_expression': {
          const args = n.childForFieldName('arguments');
          const argList = args ? named(args) : [];
          const borrowing = argList.filter((a) => !this.ownedExpr(a));
          if (borrowing.length > 0) {
            const risk = this.callRisk(n, argList, borrowing, isPlace);
            if (risk) {
              record(
                borrowing.some((a) => this.surelyBorrowsExpr(a)) && risk.startsWith('may store'),
                `line ${n.startPosition.row + 1} ${risk}`,
              );
            }
          }
          break;
        }
        case 'macro_invocation': {
          const name = macroName(n);
          if (!NON_STORING_MACROS.has(name) && this.mentionsInner(n)) {
            record(false, `\`${name}!\` on line ${n.startPosition.row + 1} may keep a borrow`);
          }
          break;
        }
        case 'break_expression': {
          const value = named(n).find((c) => c.type !== 'label');
          if (value && !this.ownedExpr(value)) {
            record(
              false,
              `\`break\` on line ${n.startPosition.row + 1} may carry a borrow out of the block`,
            );
          }
          break;
        }
        default:
          break;
      }
      named(n).forEach(visit);
    };
    this.range.forEach(visit);
    return { sure: [...sure], maybe: [...maybe] };
  }

  /**
   * Every use of `target` after its `let` is inside a `move` closure or async block that a
   * returned binding holds: the value (or its copy) lives on in that binding after the block, and
   * rustc never keeps `target` apart from it unless it is borrowed elsewhere, so a block frees
   * nothing (the engine may still count `target` as held there).
   */
  onlyMovedIntoExported(target: string): boolean {
    const decl = this.lets.get(target)?.decl;
    if (!decl) {
      return false;
    }
    const holders = this.exported()
      .map((e) => e.decl.childForFieldName('value'))
      .filter(
        (v): v is SyntaxNode =>
          v !== null &&
          (v.type === 'closure_expression' || v.type === 'async_block') &&
          children(v).some((c) => c.type === 'move'),
      );
    const uses = this.range
      .filter((s) => s.startIndex > decl.startIndex)
      .flatMap((s) => mentionsOf(s, target));
    const held = (n: SyntaxNode) =>
      holders.some((h) => n.startIndex >= h.startIndex && n.endIndex <= h.endIndex);
    return uses.length > 0 && uses.every(held);
  }

  /**
   * A binding of the range whose type cannot hold a borrow at all (declared so, a struct literal
   * of the file's own type without lifetime or type parameters, or the engine's type): nothing
   * stored into it can borrow the range's locals.
   */
  private typeHoldsNoBorrow(root: string | null): boolean {
    const entry = root === null ? undefined : this.lets.get(root);
    const pattern = entry?.decl.childForFieldName('pattern');
    if (!entry || entry.binding.byRef || pattern?.id !== entry.binding.node.id) {
      return false;
    }
    const type = entry.decl.childForFieldName('type');
    if (type) {
      return this.typeOwned(type);
    }
    const value = entry.decl.childForFieldName('value');
    if (value?.type === 'struct_expression') {
      const name = value.childForFieldName('name')?.text.replace(/<.*$/, '') ?? '';
      const user = this.items.types.get(name);
      return user !== undefined && !user.lifetimes && user.typeParams === 0;
    }
    return this.heldTypeOwned(root!, entry.binding.node);
  }

  /** A non-returned `_name` binding in the range: probably a guard the user keeps on purpose. */
  guardsDroppedEarly(target: string): string | null {
    for (const [name] of this.lets) {
      if (
        name !== target &&
        name.startsWith('_') &&
        name !== '_' &&
        !this.exportedNames.has(name)
      ) {
        return name;
      }
    }
    return null;
  }

  private callRisk(
    call: SyntaxNode,
    args: SyntaxNode[],
    borrowing: SyntaxNode[],
    isPlace: (root: string | null) => boolean,
  ): string | null {
    const m = methodCall(call);
    if (m) {
      if (!isPlace(placeRoot(m.receiver))) {
        return null;
      }
      if (COPYING_METHODS.has(m.name) && borrowing.every((a) => this.contentOwned(a))) {
        return null;
      }
      const sigs = this.items.methods(m.name);
      if (STORING_METHODS.has(m.name) || (sigs && sigs.some((s) => s.generic || s.lifetimes))) {
        return `may store a borrow in \`${m.receiver.text}\` with \`.${m.name}()\``;
      }
      return null;
    }
    const fn = call.childForFieldName('function');
    const callee = fn?.type === 'generic_function' ? fn.childForFieldName('function') : fn;
    if (!callee) {
      return null;
    }
    const name =
      callee.type === 'identifier'
        ? callee.text
        : callee.type === 'scoped_identifier'
          ? (callee.childForFieldName('name')?.text ?? '')
          : '';
    if (
      callee.type === 'identifier' &&
      !this.items.freeFns(name) &&
      !['Some', 'Ok', 'Err', 'drop', 'Box'].includes(name) &&
      !this.isLocalClosure(name)
    ) {
      return `calls \`${name}\`, which may keep a borrow`;
    }
    if (callee.type === 'scoped_identifier' && ['swap', 'replace', 'take'].includes(name)) {
      return `may store a borrow with \`${callee.text}\``;
    }
    if (args.length < 2) {
      return null;
    }
    const sigs = callee.type === 'identifier' ? this.items.freeFns(name) : this.items.fns.get(name);
    if (sigs && sigs.every((s) => !s.generic && !s.lifetimes)) {
      return null;
    }
    const mutablePlace = (a: SyntaxNode) =>
      (a.type === 'reference_expression' &&
        children(a).some((c) => c.type === 'mutable_specifier') &&
        isPlace(placeRoot(a.childForFieldName('value')))) ||
      (a.type === 'identifier' && isPlace(a.text));
    const outerMut = args.some((a) => borrowing.some((b) => b.id !== a.id) && mutablePlace(a));
    return outerMut ? `passes a borrow to \`${name}\` together with a mutable place` : null;
  }

  /** A `let` of the range bound to a closure: calling it returns what its body returns. */
  private isLocalClosure(name: string): boolean {
    return this.lets.get(name)?.decl.childForFieldName('value')?.type === 'closure_expression';
  }

  /** Names whose places outlive the block: everything not bound in it, the returned bindings, and locals that borrow those. */
  private escapingPlaces(): Set<string> {
    if (this.places) {
      return this.places;
    }
    const places = new Set(this.exportedNames);
    let changed = true;
    while (changed) {
      changed = false;
      for (const [name, { decl }] of this.lets) {
        const value = decl.childForFieldName('value');
        if (places.has(name) || !value || this.ownedBinding(name)) {
          continue;
        }
        if (variableRefs(value).some((v) => v !== name && (places.has(v) || !this.inner.has(v)))) {
          places.add(name);
          changed = true;
        }
      }
    }
    this.places = places;
    return places;
  }

  /** The data behind `&x[..]` / `&x` holds no borrow of the range's locals. */
  private contentOwned(arg: SyntaxNode): boolean {
    return variableRefs(arg).every((v) => !this.inner.has(v) || this.ownedBinding(v));
  }

  /** The engine's type for the binding, when it shows no reference or lifetime. */
  private heldTypeOwned(name: string, node: SyntaxNode): boolean {
    const line = node.startPosition.row + 1;
    const column = node.startPosition.column + 1;
    for (const f of this.report.futures) {
      for (const a of f.awaits) {
        for (const h of a.held) {
          if (h.name === name && h.line === line && h.column === column && h.type) {
            return this.typeTextOwned(h.type);
          }
        }
      }
    }
    return false;
  }

  private typeTextOwned(type: string): boolean {
    if (/[&'{*]|\b_\b|\bimpl\b|\bdyn\b|\bSelf\b/.test(type)) {
      return false;
    }
    for (const word of type.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
      const user = this.items.types.get(word);
      if (
        user
          ? user.lifetimes
          : !(
              PRIMITIVES.has(word) ||
              OWNED_LEAF_TYPES.has(word) ||
              OWNED_GENERIC_TYPES.has(word) ||
              PATH_WORDS.has(word) ||
              word === 'str'
            )
      ) {
        return false;
      }
    }
    return true;
  }

  /** A type that cannot hold a borrow: no references, lifetimes, trait objects or `impl Trait`. */
  typeOwned(t: SyntaxNode): boolean {
    switch (t.type) {
      case 'primitive_type':
      case 'unit_type':
        return true;
      case 'array_type': {
        const element = t.childForFieldName('element');
        return element !== null && this.typeOwned(element);
      }
      case 'tuple_type':
        return named(t).every((c) => this.typeOwned(c));
      case 'type_identifier':
        return this.namedTypeOwned(t.text, 0);
      case 'scoped_type_identifier': {
        const name = t.childForFieldName('name')?.text ?? '';
        return !/\bSelf\b/.test(t.text) && this.namedTypeOwned(name, 0);
      }
      case 'generic_type': {
        const base = t.childForFieldName('type');
        const args = t.childForFieldName('type_arguments');
        const argList = args ? named(args) : [];
        const baseName =
          base?.type === 'scoped_type_identifier'
            ? (base.childForFieldName('name')?.text ?? '')
            : (base?.text ?? '');
        if (argList.some((a) => a.type === 'lifetime')) {
          return false;
        }
        return (
          this.namedTypeOwned(baseName, argList.length) && argList.every((a) => this.typeOwned(a))
        );
      }
      default:
        return false;
    }
  }

  private namedTypeOwned(name: string, args: number): boolean {
    const user = this.items.types.get(name);
    if (user) {
      return !user.lifetimes && (user.typeParams === 0 || args > 0);
    }
    return args === 0
      ? OWNED_LEAF_TYPES.has(name) || PRIMITIVES.has(name)
      : OWNED_GENERIC_TYPES.has(name);
  }

  /** The value of `e` holds no borrow of a local bound in the range. */
  ownedExpr(e: SyntaxNode): boolean {
    if (!this.mentionsInner(e) && !extendsTemporary(e)) {
      return true;
    }
    const capturing = this.capturingOwned(e);
    if (capturing !== null) {
      return capturing;
    }
    switch (e.type) {
      case 'parenthesized_expression':
      case 'try_expression':
      case 'range_expression':
        return named(e).every((c) => this.ownedExpr(c));
      case 'type_cast_expression':
        return true;
      case 'binary_expression': {
        const op = e.childForFieldName('operator')?.text ?? '';
        if (COMPARISON_OPS.has(op)) {
          return true;
        }
        const l = e.childForFieldName('left');
        const r = e.childForFieldName('right');
        return l !== null && r !== null && this.ownedExpr(l) && this.ownedExpr(r);
      }
      case 'unary_expression': {
        const operand = named(e)[0];
        return e.children[0]?.text !== '*' && operand !== undefined && this.ownedExpr(operand);
      }
      case 'identifier':
        return !this.inner.has(e.text) || this.ownedBinding(e.text);
      case 'field_expression': {
        const value = e.childForFieldName('value');
        return value !== null && this.ownedExpr(value);
      }
      case 'index_expression': {
        const base = named(e)[0];
        return base !== undefined && this.ownedExpr(base);
      }
      case 'array_expression':
      case 'tuple_expression':
        return named(e).every((c) => c.type === 'attribute_item' || this.ownedExpr(c));
      case 'struct_expression': {
        const name = e.childForFieldName('name');
        const body = e.childForFieldName('body');
        const user = name ? this.items.types.get(name.text.replace(/<.*$/, '')) : undefined;
        if (!user || user.lifetimes || !body) {
          return false;
        }
        return named(body).every((f) => {
          if (f.type === 'shorthand_field_initializer') {
            return this.ownedExpr(named(f)[0]);
          }
          const v = f.childForFieldName('value');
          return v ? this.ownedExpr(v) : f.type !== 'base_field_initializer';
        });
      }
      case 'block': {
        const stmts = statementsOf(e);
        const tail = stmts[stmts.length - 1];
        return (
          tail === undefined ||
          tail.type === 'expression_statement' ||
          tail.type === 'let_declaration' ||
          this.ownedExpr(tail)
        );
      }
      case 'await_expression': {
        const op = named(e)[0];
        return op?.type === 'call_expression' && this.callOwned(op, true);
      }
      case 'call_expression':
        return this.callOwned(e, false);
      default:
        return LITERALS.has(e.type);
    }
  }

  /**
   * Macros, closures, async blocks and references: whether what they build holds no borrow of the
   * range's locals; null for other expressions.
   */
  private capturingOwned(e: SyntaxNode): boolean | null {
    switch (e.type) {
      case 'reference_expression': {
        // `&outer[..n]`: a borrow of a place outside the range; the index only picks the part.
        const root = placeRoot(e.childForFieldName('value'), true);
        return root !== null && !this.inner.has(root);
      }
      case 'macro_invocation':
        return macroName(e) === 'format' || this.vecOwned(e);
      case 'closure_expression':
      case 'async_block':
        return this.moveCapturesOwned(e);
      default:
        return null;
    }
  }

  /** `vec![a, b]` of owned elements (the `vec![x; n]` form repeats an owned `x`). */
  private vecOwned(macro: SyntaxNode): boolean {
    if (macroName(macro) !== 'vec') {
      return false;
    }
    const args = this.macroArguments(macro);
    return args.length > 0 && args.every((a) => this.ownedExpr(a));
  }

  /**
   * A `move` closure or async block owns what it captures: it holds a borrow of the range's locals
   * only through a captured binding that holds one. Names the closure binds itself (its parameters,
   * its own `let`s) are not captures, unless the range binds them outside it too.
   */
  private moveCapturesOwned(e: SyntaxNode): boolean {
    if (!children(e).some((c) => c.type === 'move')) {
      return false;
    }
    const within = (n: SyntaxNode) => n.startIndex >= e.startIndex && n.endIndex <= e.endIndex;
    for (const name of this.inner) {
      if (mentionsOf(e, name).length === 0) {
        continue;
      }
      const outside =
        this.lets.has(name) || (this.nested.get(name) ?? []).some((site) => !within(site));
      if (outside && !this.ownedBinding(name)) {
        return false;
      }
    }
    return true;
  }

  /** The items an iterator expression yields hold no borrow of the range's locals. */
  private itemsOwned(e: SyntaxNode): boolean {
    const n = unparen(e);
    if (!this.mentionsInner(n)) {
      return true;
    }
    if (n.type === 'range_expression') {
      return true;
    }
    if (n.type === 'identifier') {
      return this.ownedExpr(n);
    }
    const m = methodCall(n);
    if (!m) {
      return false;
    }
    switch (m.name) {
      case 'bytes':
      case 'chars':
      case 'char_indices':
        return true;
      case 'copied':
      case 'cloned': {
        const root = placeRoot(m.receiver);
        return root !== null && (!this.inner.has(root) || this.ownedBinding(root));
      }
      case 'map':
      case 'filter_map':
      case 'map_while': {
        const closure = m.args[m.args.length - 1];
        const body =
          closure?.type === 'closure_expression' ? closure.childForFieldName('body') : null;
        return body !== null && this.ownedExpr(body);
      }
      case 'zip':
      case 'chain':
        return this.itemsOwned(m.receiver) && m.args.length === 1 && this.itemsOwned(m.args[0]);
      case 'into_iter':
      case 'drain':
        return this.ownedExpr(m.receiver);
      default:
        return PASS_THROUGH_ADAPTERS.has(m.name) && this.itemsOwned(m.receiver);
    }
  }

  private callOwned(e: SyntaxNode, awaited: boolean): boolean {
    const args = e.childForFieldName('arguments');
    const argList = args ? named(args) : [];
    const m = methodCall(e);
    if (m) {
      return this.methodCallOwned(m, awaited, argList);
    }
    const fn = e.childForFieldName('function');
    const callee = fn?.type === 'generic_function' ? fn.childForFieldName('function') : fn;
    if (callee?.type === 'identifier') {
      if (['Some', 'Ok', 'Err'].includes(callee.text)) {
        return argList.every((a) => this.ownedExpr(a));
      }
      if (this.isLocalClosure(callee.text)) {
        const body = this.lets
          .get(callee.text)!
          .decl.childForFieldName('value')!
          .childForFieldName('body');
        return !awaited && body !== null && this.ownedExpr(body);
      }
      const sigs = this.items.freeFns(callee.text);
      return sigs !== undefined && this.sigsOwned(sigs, awaited, argList);
    }
    return callee?.type === 'scoped_identifier' && this.pathCallOwned(callee, awaited, argList);
  }

  /**
   * `receiver.name(args)`: a method of the crate, by its signature; else a std method known to
   * return an owned value.
   */
  private methodCallOwned(m: MethodCall, awaited: boolean, argList: SyntaxNode[]): boolean {
    const sigs = this.items.methods(m.name);
    if (sigs) {
      return this.sigsOwned(sigs, awaited, argList);
    }
    if (awaited) {
      return false;
    }
    if (OWNED_RESULT_METHODS.has(m.name) || ARITHMETIC_METHOD.test(m.name)) {
      return true;
    }
    if (m.name === 'fold') {
      return argList.length > 0 && this.ownedExpr(argList[0]);
    }
    if ((m.name === 'max' || m.name === 'min') && argList.length === 0) {
      return this.itemsOwned(m.receiver);
    }
    if (ITEM_RESULT_METHODS.has(m.name)) {
      return this.itemsOwned(m.receiver);
    }
    if (SAME_AS_RECEIVER_METHODS.has(m.name) || m.name === 'max' || m.name === 'min') {
      return this.ownedExpr(m.receiver) && argList.every((a) => this.ownedExpr(a));
    }
    return false;
  }

  /** `Type::name(args)`: `Box::new`, a crate type's or a std owned type's constructor. */
  private pathCallOwned(callee: SyntaxNode, awaited: boolean, argList: SyntaxNode[]): boolean {
    const path = callee.childForFieldName('path')?.text ?? '';
    const name = callee.childForFieldName('name')?.text ?? '';
    const typeName = path.slice(path.lastIndexOf(':') + 1).replace(/<.*$/, '');
    if (typeName === 'Box' && (name === 'new' || name === 'pin')) {
      return argList.every((a) => this.ownedExpr(a));
    }
    const user = this.items.types.get(typeName);
    const sigs = this.items.fns.get(name);
    if (user && sigs) {
      return !user.lifetimes && user.typeParams === 0 && this.sigsOwned(sigs, awaited, argList);
    }
    if (!awaited && (PRIMITIVES.has(typeName) || OWNED_LEAF_TYPES.has(typeName))) {
      // `u16::from_be_bytes(..)`, `String::from(..)`: constructors of a non-generic owned type.
      return /^(from|new|with_capacity|from_be_bytes|from_le_bytes|from_ne_bytes|from_str_radix|default)$/.test(
        name,
      );
    }
    if (
      !awaited &&
      OWNED_GENERIC_TYPES.has(typeName) &&
      /^(new|with_capacity|default)$/.test(name)
    ) {
      return argList.every((a) => this.ownedExpr(a));
    }
    return false;
  }

  /**
   * A call's result holds no borrow: the return type cannot hold one, and an async fn's future
   * (not awaited yet) captures its arguments (and `self`), so they must be owned too.
   */
  private sigsOwned(sigs: FnSig[], awaited: boolean, args: SyntaxNode[]): boolean {
    return sigs.every(
      (s) =>
        (!s.ret || this.typeOwned(s.ret)) &&
        (awaited ||
          !s.isAsync ||
          (!s.method && !s.generic && args.every((a) => this.ownedExpr(a)))),
    );
  }

  private mentionsInner(e: SyntaxNode): boolean {
    for (const name of this.inner) {
      if (mentionsOf(e, name).length > 0) {
        return true;
      }
    }
    return false;
  }
}
