#!/usr/bin/env node
// Checks the shape of the code base and fails (exit 1) when it breaks:
// - no import cycle between files (type-only imports included: a cycle is a cycle for a reader);
// - each layer imports only the layers below it (LAYERS), so analysis/ imports nothing outside itself
//   and lsp/ never imports cli/;
// - every node kind the analysis compares with exists in tree-sitter-rust's grammar, and the
//   generated node-kind list is up to date;
// - ESLint passes, which holds every function to 120 lines and a cyclomatic complexity of 40;
// - Prettier (100 columns, .prettierrc.json) has nothing to change.
// It prints the longest and most complex functions so the margins are visible.
// Usage: node scripts/shape.mjs [--no-eslint]
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';
import { spawnSync } from 'child_process';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_ROOTS = ['server/src', 'client/src'];

/**
 * What each folder may import: folders under server/src (or client/src) and bare packages.
 * A file may always import its own folder. Order is bottom-up; nothing imports upwards.
 */
const LAYERS = {
  // `module`: the parser loads a fresh copy of web-tree-sitter after a WebAssembly abort (createRequire).
  'server/src/analysis': {
    folders: [],
    packages: ['fs', 'path', 'crypto', 'module', 'web-tree-sitter'],
  },
  // `crypto`: the package cache names its files by a digest of their keys.
  'server/src/project': {
    folders: ['server/src/analysis'],
    packages: ['fs', 'path', 'os', 'url', 'crypto', 'smol-toml', 'semver'],
  },
  'server/src/measure': {
    folders: ['server/src/analysis', 'server/src/project'],
    packages: ['fs', 'path', 'os', 'child_process', 'crypto', 'util'],
  },
  // `v8`, `vm`: a long-lived worker collects its garbage between jobs (workers/garbage.ts).
  'server/src/workers': {
    folders: [],
    packages: ['worker_threads', 'os', 'path', 'v8', 'vm'],
  },
  'server/src/text': { folders: ['server/src/analysis'], packages: [] },
  // protocol.ts is the product's vocabulary (diagnostic codes, the allow comment, request names):
  // plain constants with no imports, shared by the client, the server and the CLI.
  'server/src/lints': {
    folders: [
      'server/src/analysis',
      'server/src/project',
      'server/src/text',
      'server/src/protocol.ts',
    ],
    packages: ['fs', 'path', 'smol-toml'],
  },
  'server/src/cli': {
    folders: [
      'server/src/analysis',
      'server/src/project',
      'server/src/measure',
      'server/src/lints',
      'server/src/text',
      'server/src/workers',
      'server/src/protocol.ts',
    ],
    packages: null,
  },
  'server/src/lsp': {
    folders: [
      'server/src/analysis',
      'server/src/project',
      'server/src/measure',
      'server/src/lints',
      'server/src/text',
      'server/src/workers',
      'server/src/protocol.ts',
    ],
    packages: null,
  },
  'server/src/protocol.ts': { folders: [], packages: [] },
  'client/src': { folders: ['server/src/protocol.ts', 'server/src/nodeFlags.ts'], packages: null },
};

function listTs(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolveImport(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base + '.ts', path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every file's imports: resolved files and bare package names. */
function importGraph(files) {
  const graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const local = [];
    const packages = [];
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) {
        const target = resolveImport(file, fileName);
        if (target && target.endsWith('.ts')) local.push(target);
      } else {
        packages.push(
          fileName.startsWith('@')
            ? fileName.split('/').slice(0, 2).join('/')
            : fileName.split('/')[0],
        );
      }
    }
    graph.set(file, { local, packages });
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const state = new Map();
  const found = [];
  const visit = (node) => {
    const mine = { index, low: index, onStack: true };
    index++;
    state.set(node, mine);
    stack.push(node);
    for (const next of graph.get(node)?.local ?? []) {
      const seen = state.get(next);
      if (!seen) {
        visit(next);
        mine.low = Math.min(mine.low, state.get(next).low);
      } else if (seen.onStack) {
        mine.low = Math.min(mine.low, seen.index);
      }
    }
    if (mine.low === mine.index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        state.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node).local.includes(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

function layerOf(file) {
  const rel = path.relative(root, file);
  return Object.keys(LAYERS).find((layer) => rel === layer || rel.startsWith(layer + '/')) ?? null;
}

function layerViolations(graph) {
  const problems = [];
  for (const [file, { local, packages }] of graph) {
    const layer = layerOf(file);
    if (!layer) continue;
    const rule = LAYERS[layer];
    for (const target of local) {
      const rel = path.relative(root, target);
      const allowed =
        rel.startsWith(layer + '/') ||
        rule.folders.some((f) => rel === f || rel.startsWith(f + '/'));
      if (!allowed)
        problems.push(
          `${path.relative(root, file)} imports ${rel} (${layer} may import only ${[layer, ...rule.folders].join(', ')})`,
        );
    }
    if (rule.packages) {
      for (const name of packages) {
        if (!rule.packages.includes(name))
          problems.push(
            `${path.relative(root, file)} imports package '${name}' (${layer} may import ${rule.packages.join(', ') || 'no package'})`,
          );
      }
    }
  }
  return problems;
}

/** The named node kinds of tree-sitter-rust, and its anonymous tokens (which a node's type can also be). */
function grammarKinds() {
  const types = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules/tree-sitter-rust/src/node-types.json'), 'utf8'),
  );
  // ERROR is tree-sitter's own kind for text the grammar could not parse.
  const kinds = new Set(['ERROR']);
  const visit = (entry) => {
    kinds.add(entry.type);
    for (const sub of entry.subtypes ?? []) kinds.add(sub.type);
    for (const child of Object.values(entry.fields ?? {}))
      for (const t of child.types ?? []) kinds.add(t.type);
    for (const t of entry.children?.types ?? []) kinds.add(t.type);
  };
  types.forEach(visit);
  return { kinds, all: [...kinds].sort() };
}

const GENERATED_KINDS = path.join(root, 'server/src/analysis/syntax/nodeKinds.generated.ts');

function generatedKindsText(all) {
  return [
    "// Generated by `node scripts/shape.mjs --write-kinds` from tree-sitter-rust's src/node-types.json. Do not edit.",
    '',
    '/** Every node kind (named nodes and tokens) of the tree-sitter-rust grammar this build uses, and ERROR. */',
    'export const NODE_KINDS = [',
    ...all.map((k) => `  ${JSON.stringify(k)},`),
    '] as const;',
    '',
    'export type NodeKind = (typeof NODE_KINDS)[number];',
    '',
  ].join('\n');
}

/** `x.type === 'k'`, `x.type !== 'k'` and `case 'k':` of a `switch (x.type)` in the analysis. */
function unknownNodeKinds(files, kinds) {
  const problems = [];
  const isTypeAccess = (node) => ts.isPropertyAccessExpression(node) && node.name.text === 'type';
  for (const file of files) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const check = (literal) => {
      if (!kinds.has(literal.text)) {
        const { line } = source.getLineAndCharacterOfPosition(literal.getStart());
        problems.push(
          `${path.relative(root, file)}:${line + 1}: '${literal.text}' is not a tree-sitter-rust node kind`,
        );
      }
    };
    const visit = (node) => {
      if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind)) {
        if (isTypeAccess(node.left) && ts.isStringLiteral(node.right)) check(node.right);
        if (isTypeAccess(node.right) && ts.isStringLiteral(node.left)) check(node.left);
      }
      if (ts.isSwitchStatement(node) && isTypeAccess(node.expression)) {
        for (const clause of node.caseBlock.clauses) {
          if (ts.isCaseClause(clause) && ts.isStringLiteral(clause.expression))
            check(clause.expression);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return problems;
}

const EQUALITY = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

const MEASURED_RULES = ['complexity', 'max-lines-per-function'];

/**
 * One ESLint run: the configured rules, with the two size rules lowered so every sizeable function
 * reports its measure. Problems are every other message, and the measures above the configured
 * limits (read from eslint.config.mjs, the one place they are set).
 */
async function lint() {
  const { ESLint } = await import('eslint');
  const configured = await new ESLint({ cwd: root }).calculateConfigForFile(
    path.join(root, 'server/src/server.ts'),
  );
  const limitOf = (rule) => configured.rules[rule][1].max;
  const limits = { lines: limitOf('max-lines-per-function'), complexity: limitOf('complexity') };
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: {
      rules: {
        complexity: ['warn', { max: 15 }],
        'max-lines-per-function': ['warn', { max: 60, skipBlankLines: false, skipComments: false }],
      },
    },
  });
  const problems = [];
  const measures = [];
  for (const result of await eslint.lintFiles(['.'])) {
    const file = path.relative(root, result.filePath);
    for (const message of result.messages) {
      const where = `${file}:${message.line}:${message.column}`;
      if (!MEASURED_RULES.includes(message.ruleId)) {
        problems.push(`${where} ${message.message} (${message.ruleId ?? 'parse'})`);
        continue;
      }
      const number = /has (?:too many lines \((\d+)\)|a complexity of (\d+))/.exec(message.message);
      const name =
        /^(?:Async )?(?:Method|Function|Arrow function|Generator function)(?: '([^']+)')?/.exec(
          message.message,
        )?.[1] ?? '(anonymous)';
      const measure = {
        where: `${file}:${message.line} ${name}`,
        lines: number?.[1] ? Number(number[1]) : null,
        complexity: number?.[2] ? Number(number[2]) : null,
      };
      measures.push(measure);
      if ((measure.lines ?? 0) > limits.lines || (measure.complexity ?? 0) > limits.complexity) {
        const what = measure.lines ? `${measure.lines} lines` : `complexity ${measure.complexity}`;
        problems.push(
          `${where} ${name}: ${what} (limits ${limits.lines} lines, ${limits.complexity})`,
        );
      }
    }
  }
  return { problems, measures, limits };
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const files = SOURCE_ROOTS.flatMap((dir) => listTs(path.join(root, dir)));
  const graph = importGraph(files);
  const failures = [];

  for (const component of cycles(graph)) {
    failures.push(`import cycle: ${component.map((f) => path.relative(root, f)).join(' → ')}`);
  }
  failures.push(...layerViolations(graph));

  const { kinds, all } = grammarKinds();
  const expected = generatedKindsText(all);
  if (args.has('--write-kinds')) fs.writeFileSync(GENERATED_KINDS, expected);
  if (!fs.existsSync(GENERATED_KINDS) || fs.readFileSync(GENERATED_KINDS, 'utf8') !== expected) {
    failures.push(
      `${path.relative(root, GENERATED_KINDS)} is out of date: run node scripts/shape.mjs --write-kinds`,
    );
  }
  failures.push(
    ...unknownNodeKinds(
      files.filter((f) => f.includes('/analysis/')),
      kinds,
    ),
  );

  if (!args.has('--no-eslint')) {
    const { problems, measures, limits } = await lint();
    failures.push(...problems);
    const prettier = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/prettier/bin/prettier.cjs'), '--list-different', '.'],
      { cwd: root, encoding: 'utf8' },
    );
    for (const file of prettier.stdout.split('\n').filter(Boolean)) {
      failures.push(`${file}: not formatted (npm run format)`);
    }
    if (prettier.status !== 0 && prettier.status !== 1) {
      failures.push(`prettier failed: ${prettier.stderr.trim()}`);
    }
    const top = (key) =>
      measures
        .filter((m) => m[key] !== null)
        .sort((a, b) => b[key] - a[key])
        .slice(0, 5);
    console.log(`longest functions (limit ${limits.lines} lines):`);
    for (const m of top('lines')) console.log(`  ${m.lines} lines  ${m.where}`);
    console.log(`most complex functions (limit ${limits.complexity}):`);
    for (const m of top('complexity')) console.log(`  ${m.complexity}  ${m.where}`);
  }

  console.log(
    `${files.length} files, ${[...graph.values()].reduce((n, g) => n + g.local.length, 0)} imports checked`,
  );
  if (failures.length > 0) {
    console.error(failures.join('\n'));
    console.error(`shape: ${failures.length} problem(s)`);
    process.exit(1);
  }
  console.log('shape: ok');
}

await main();
