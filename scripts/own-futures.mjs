// Keeps, from rustc's -Zprint-type-sizes output on stdin, the futures a recorded fixture crate
// defines itself: async fns whose path does not start with a dependency named on the command line
// (`node own-futures.mjs tokio futures_util`), and async blocks of its src/.
import { readFileSync } from 'node:fs';

const dependencies = process.argv.slice(2);
const lines = readFileSync(0, 'utf8').split('\n');
const kept = [];
let keeping = false;
for (const line of lines) {
  const header = /^print-type-size type: `(.*)`: /.exec(line);
  if (header) {
    const name = header[1];
    const fnPath = name.startsWith('{async fn body of ')
      ? name.slice('{async fn body of '.length)
      : null;
    keeping =
      (fnPath !== null &&
        !dependencies.some((d) => fnPath.startsWith(`${d}::`) || fnPath.startsWith(`<${d}::`))) ||
      name.startsWith('{async block@src/');
  } else if (!line.startsWith('print-type-size ')) {
    keeping = false;
  }
  if (keeping) {
    kept.push(line);
  }
}
process.stdout.write(kept.join('\n') + '\n');
