/**
 * The engine's output: plain data shared by the CLI, the language server and the tests.
 * Nothing here knows about LSP or VS Code.
 */
import type { GuardKind } from './types/knownTypes';

export type FutureKind = 'fn' | 'block' | 'closure';

/** What a stored value is, in rustc's terms. */
export type HeldKind = 'binding' | 'argument' | 'temporary' | 'awaitee' | 'drop-flag' | 'upvar';

export interface HeldValue {
  /** Binding or argument name; null for temporaries, awaitees and drop flags. */
  name: string | null;
  kind: HeldKind;
  /** 1-based line and column where the value is introduced (the binding pattern, the temporary's expression). */
  line: number;
  column: number;
  /** Bytes; null when the type is unknown. */
  size: number | null;
  align: number | null;
  /** The type as written or inferred, e.g. `[u8; 1024]`, `{async fn body of pause()}`. */
  type: string | null;
  /** Size is a lower bound (some part of the type is unknown). */
  exact: boolean;
  /** Identifies the value within its future: the same value saved at several awaits has one id. */
  id: number;
  /** End of the binding pattern / expression that introduces the value. */
  endLine: number;
  endColumn: number;
  /** Byte offset inside the future (the shared prefix, or this await's variant). */
  offset: number;
  /**
   * Moved out before this await on every path to it (`drop(guard)` after a borrow of it): rustc
   * still keeps its bytes in the future, but no value lives there, so nothing is held.
   */
  movedOut?: boolean;
  /** A synchronous lock guard or RefCell borrow (tokio's are not): see `types/knownTypes`. */
  guard?: GuardKind;
  /**
   * The packages whose sources the size was read from, as `NAME VERSION` (`tokio 1.24.2`), sorted;
   * unset when the size comes from std's and the analysed crate's own types only.
   */
  sources?: string[];
}

export interface AwaitPoint {
  /** 0-based suspension index, in source order (rustc's `SuspendN`). */
  index: number;
  /** 1-based position of the `.await` keyword. */
  line: number;
  column: number;
  /** Values saved in this await's variant (not the upvars, which are in every state). */
  held: HeldValue[];
}

export interface FutureReport {
  file: string;
  kind: FutureKind;
  /** rustc's path for fns (`Conn::read`, `<Conn as Service>::call`, `outer::nested`), `async block@L:C` / `async closure@L:C` otherwise. */
  name: string;
  /** 1-based position of the `async` keyword (closures: the start of the body). */
  line: number;
  column: number;
  endLine: number;
  /** Estimated total bytes: a lower bound when `exact` is false, null when nothing is known. */
  size: number | null;
  align: number;
  exact: boolean;
  /**
   * Types (or awaited calls) whose size is unknown, making `size` a lower bound. Another crate's
   * type is named with its package and why: `tokio::net::TcpStream (tokio 1.24.2: sources not
   * found)`, `hyper::body::Body (hyper 0.14.19): generic over B`.
   */
  unknown: string[];
  /**
   * The packages whose sources some of its values' sizes were read from (`tokio 1.24.2`), sorted;
   * unset when there are none, and for a measured future (rustc's number, see `measured`).
   */
  sources?: string[];
  /** Captured inputs: arguments (incl. `self`) of an async fn, captures of a block or closure. */
  upvars: HeldValue[];
  awaits: AwaitPoint[];
  /**
   * rustc knows this future as an async block at this 1-based position: the block `#[tokio::main]`
   * or `#[tokio::test]` makes of the fn's body (there is no async fn left after the macro).
   */
  rustcBlockAt?: { line: number; column: number };
  /** Set when the body was not analysed (parse errors, too large); all other fields are then empty. */
  skipped?: string;
  /** For async fns, the span of the name (1-based lines and columns). */
  nameSpan?: { line: number; column: number; endLine: number; endColumn: number };
  /** How the state machine is laid out: the tag, the prefix shared by every state, and each state's end. */
  layout?: { tagOffset: number; tagSize: number; prefixSize: number; variantEnds: number[] };
  /** Hash of the future's source text: a calibration run's measurement applies only while it is unchanged. */
  hash: string;
  /** `size` and `align` were measured by rustc (a calibration run over this exact source), not estimated. */
  measured?: boolean;
  /** rustc's own layout of a measured future, when the calibration stored it. */
  measuredLayout?: MeasuredLayout;
  /**
   * The code around this future does not parse right now (tree-sitter's error recovery hid it): this
   * is its last report, made before, moved to where its unchanged text is now.
   */
  kept?: boolean;
  /**
   * Set on the report of one instance of a generic async fn (`m::hold<u8>`): the generic fn it
   * instantiates, whose own report is sized with its type parameters unknown.
   */
  instanceOf?: { name: string; file: string; line: number; column: number };
  /**
   * An instance's type arguments, in the order of the fn's generics (`_` where the engine could
   * not resolve one: the size is then a lower bound).
   */
  typeArguments?: string[];
  /** The fns whose code made this instance. */
  calledFrom?: CallSite[];
}

/** A fn whose body calls (or whose instance calls) a generic async fn. */
export interface CallSite {
  /** rustc's path of the calling fn (an instance's name when an instance calls it). */
  name: string;
  file: string;
  /** 1-based line of the calling fn. */
  line: number;
}

export interface FileReport {
  file: string;
  futures: FutureReport[];
  /**
   * The instances of generic async fns: as a file's analysis gives it, those its code made (some
   * of other files' fns); after `attachInstances`, those of this file's fns, from every file.
   */
  instances?: FutureReport[];
  /** Human-readable notices (skipped functions, unreadable file). */
  notices: string[];
}

/** One field of a measured future, as rustc printed it. */
export interface MeasuredField {
  kind: 'upvar' | 'local';
  /** rustc's name without its dot: `buffer`, `self`, `__awaitee`; `<temp>` for unnamed fields. */
  name: string;
  size: number;
  offset: number;
  /** Printed for unnamed fields and awaitees only. */
  type?: string;
}

/** A measured future's layout as rustc printed it: every state with its fields. */
export interface MeasuredLayout {
  /** The state tag's size (rustc's `discriminant:` line). */
  tagSize: number;
  /** `Unresumed`, `Suspend0` …, `Returned`, `Panicked`, with rustc's printed sizes. */
  variants: { name: string; size: number; fields: MeasuredField[] }[];
}
