/** A fix as the planners propose it, before verification gives it a fingerprint and a saving. */
import type { FixKind, SourceEdit } from './fixTypes';
import type { AwaitPoint, FutureReport } from '../report';

export interface Candidate {
  kind: FixKind;
  title: string;
  preferred: boolean;
  /** Reasons the fix is not preferred (empty when it is). */
  notes: string[];
  /** What the fix does, one sentence. */
  what: string;
  future: FutureReport;
  futureIndex: number;
  target: { name: string | null; line: number; column: number };
  /** The await the fix frees the value at; none for a future boxed where it is handed over. */
  await?: AwaitPoint;
  valueSize: number | null;
  edits: SourceEdit[];
  /** Where the fix's id points when fixes share a target (the branches of one `select!`). */
  idAt?: { line: number; column: number };
  /** The future that `Box::pin` puts on the heap. */
  pinned?: { name: string; line: number; column: number };
  /**
   * `shrink` (default): the targeted future must get smaller. `handover`: the boxed future is
   * passed by value (to `spawn(..)`), so no future shrinks; the fix must only make none larger.
   */
  verifyBy?: 'shrink' | 'handover';
}
