/** Environment variable that overrides where the reference cases are. */
export declare const CASES_DIR_ENV = "RUST_FUTURE_SIZE_CASES";
/** The nearest ancestor of `start` (itself included) for which `accept` holds, or null. */
export declare function findUpwards(start: string, accept: (dir: string) => boolean): string | null;
/** `shared/reference/cases` beside or above the repository; throws with the places it looked. */
export declare function referenceCasesDir(from?: string): string;
/**
 * Loads a compiled server module by its path under `server/out` (e.g. `rustc/printTypeSizes`).
 * Type it with `typeof import('../../server/src/…')`, which tsc resolves through the project reference.
 */
export declare function loadServerModule<T>(modulePath: string, from?: string): T;
