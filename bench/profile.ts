/**
 * CPU profile of a piece of work in this process (the V8 sampling profiler through `node:inspector`,
 * the same data `node --cpu-prof` writes), summarised as the functions with the most self time and
 * the share of each source file. Compiled locations are mapped back to the TypeScript sources
 * through the `.js.map` files tsc writes next to them.
 */
import * as fs from 'fs';
import * as inspector from 'inspector';
import { SourceMap } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** `Profiler.Profile` from the DevTools protocol (the format of a `.cpuprofile`). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** `name (file.ts:line)`. */
  label: string;
  /** File the function is in (TypeScript when mapped), or a category such as `(garbage collector)`. */
  file: string;
  ms: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time: where the CPU was. */
  functions: SelfTime[];
  files: { file: string; ms: number }[];
  /**
   * Each sample charged to the innermost frame whose file is under `ownPrefix` (its own time plus the
   * library and wasm calls it makes, e.g. tree-sitter node accessors); samples with no such frame
   * (the garbage collector, idle) keep their own label. Frames in `through` files (the parser
   * wrapper) are looked through, so a parse is charged to whoever asked for it, as `caller → parseRust`.
   */
  byOwnCaller: SelfTime[];
}

/** Runs `work` under the sampling profiler (every `intervalUs` µs) and returns the profile. */
export async function profile(
  work: () => void | Promise<void>,
  intervalUs = 200,
): Promise<CpuProfile> {
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params, (error, result) =>
        error ? reject(error) : resolve(result as T),
      ),
    );
  try {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: intervalUs });
    await post('Profiler.start');
    await work();
    const { profile: result } = await post<{ profile: CpuProfile }>('Profiler.stop');
    return result;
  } finally {
    session.disconnect();
  }
}

/** Self time per function and per file, largest first. `root` shortens paths in labels. */
export function summarise(
  cpuProfile: CpuProfile,
  root: string,
  ownPrefix = path.join('server', 'src'),
  through: readonly string[] = [path.join('server', 'src', 'analysis', 'parser.ts')],
): ProfileSummary {
  const byId = new Map(cpuProfile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of cpuProfile.nodes) {
    for (const child of node.children ?? []) {
      parentOf.set(child, node.id);
    }
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < cpuProfile.samples.length; i++) {
    // A sample's time is the delta to the next sample.
    const delta = cpuProfile.timeDeltas[i + 1] ?? 0;
    selfUs.set(cpuProfile.samples[i], (selfUs.get(cpuProfile.samples[i]) ?? 0) + delta);
  }
  const mapper = new SourceMapper(root);
  const functions = new Map<string, SelfTime>();
  const files = new Map<string, number>();
  const callers = new Map<string, SelfTime>();
  const add = (
    table: Map<string, SelfTime>,
    described: { label: string; file: string },
    ms: number,
  ) => {
    const entry = table.get(described.label) ?? { ...described, ms: 0 };
    entry.ms += ms;
    table.set(described.label, entry);
  };
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') {
      continue;
    }
    totalUs += us;
    const described = mapper.describe(node.callFrame);
    add(functions, described, us / 1000);
    files.set(described.file, (files.get(described.file) ?? 0) + us / 1000);
    let caller: ProfileNode | undefined = node;
    let via = '';
    for (;;) {
      const file = caller ? mapper.describe(caller.callFrame).file : '';
      if (!caller || (file.startsWith(ownPrefix) && !through.includes(file))) {
        break;
      }
      if (through.includes(file) && !via) {
        via = ` → ${caller.callFrame.functionName}`;
      }
      const parent = parentOf.get(caller.id);
      caller = parent === undefined ? undefined : byId.get(parent);
    }
    const charged = caller ? mapper.describe(caller.callFrame) : described;
    add(callers, { label: `${charged.label}${via}`, file: charged.file }, us / 1000);
  }
  return {
    totalMs: totalUs / 1000,
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
    files: [...files.entries()].map(([file, ms]) => ({ file, ms })).sort((a, b) => b.ms - a.ms),
    byOwnCaller: [...callers.values()].sort((a, b) => b.ms - a.ms),
  };
}

/** Maps compiled positions to TypeScript ones; names other code by its package or category. */
class SourceMapper {
  private readonly maps = new Map<string, SourceMap | null>();
  private readonly described = new Map<CallFrame, { label: string; file: string }>();

  constructor(private readonly root: string) {}

  describe(frame: CallFrame): { label: string; file: string } {
    let result = this.described.get(frame);
    if (!result) {
      result = this.describeUncached(frame);
      this.described.set(frame, result);
    }
    return result;
  }

  private describeUncached(frame: CallFrame): { label: string; file: string } {
    const name = frame.functionName || '(anonymous)';
    if (!frame.url) {
      // (garbage collector), (program), or a wasm/builtin frame without a script.
      return { label: name, file: name.startsWith('(') ? name : '(native)' };
    }
    if (frame.url.startsWith('wasm://') || /wasm-function/.test(name)) {
      return { label: `${name} (tree-sitter wasm)`, file: 'tree-sitter (wasm)' };
    }
    const file = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
    if (file.includes(`${path.sep}node_modules${path.sep}`)) {
      const pkg = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1] ?? 'node_modules';
      return { label: `${name} (${pkg})`, file: pkg };
    }
    if (!path.isAbsolute(file)) {
      return { label: `${name} (${file})`, file: 'node internals' };
    }
    const mapped = this.map(file, frame.lineNumber, frame.columnNumber);
    const shown = path.relative(this.root, mapped?.file ?? file);
    const line = (mapped?.line ?? frame.lineNumber) + 1;
    return { label: `${name} (${shown}:${line})`, file: shown };
  }

  private map(file: string, line: number, column: number): { file: string; line: number } | null {
    let sourceMap = this.maps.get(file);
    if (sourceMap === undefined) {
      sourceMap = null;
      try {
        sourceMap = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
      } catch {
        // No map: report the compiled location.
      }
      this.maps.set(file, sourceMap);
    }
    const entry = sourceMap?.findEntry(line, column) as
      { originalSource?: string; originalLine?: number } | undefined;
    if (!entry?.originalSource || entry.originalLine === undefined) {
      return null;
    }
    const source = entry.originalSource.startsWith('file:')
      ? fileURLToPath(entry.originalSource)
      : path.resolve(path.dirname(file), entry.originalSource);
    return { file: source, line: entry.originalLine };
  }
}
