/**
 * What an analysis of a crate is given: its files and their edition. Kept apart from the engine so
 * the modules the engine uses (the dependencies' analyses, which run the engine on another crate)
 * can name them without importing it.
 */

export type Edition = '2015' | '2018' | '2021' | '2024';

export interface CrateFile {
  /** Path shown in reports. */
  file: string;
  text: string;
  /** Module path of the file in its crate (`src/net/tcp.rs` → `["net", "tcp"]`), for rustc-style names. */
  modulePath: string[];
}
