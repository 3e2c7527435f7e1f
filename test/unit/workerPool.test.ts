/**
 * The shared worker pool (`workers/pool.ts`) behind the CLI's --jobs and the server's crate index.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const pools = loadServerModule<typeof import('../../server/src/workers/pool')>('workers/pool');
const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'server', 'out', 'workers', 'pool.js')),
)!;

type Answer = { thread: number; data: unknown; job: string };

let tempRoot: string;
let script: string;

describe('worker pool', () => {
  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-pool-'));
    script = path.join(tempRoot, 'worker.js');
    fs.writeFileSync(
      script,
      `const { parentPort, threadId, workerData } = require('worker_threads');
const { serveTasks } = require(${JSON.stringify(path.join(repoRoot, 'server', 'out', 'workers', 'pool.js'))});
serveTasks(parentPort, (job) => {
  if (job === 'exit') process.exit(3);
  if (job === 'throw') throw new Error('no such job');
  return { thread: threadId, data: workerData, job };
});
`,
    );
  });
  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('answers each job, keeps a worker whose job threw, and starts a replacement with fresh workerData', async () => {
    let started = 0;
    const pool = new pools.WorkerPool<string, Answer>(script, {
      maxWorkers: 1,
      workerData: () => ++started,
    });
    try {
      const first = await pool.run('a');
      assert.deepStrictEqual([first.data, first.job], [1, 'a']);
      await assert.rejects(pool.run('throw'), /no such job/);
      assert.strictEqual(
        (await pool.run('b')).thread,
        first.thread,
        'a job that throws does not cost the worker',
      );
      await assert.rejects(pool.run('exit'), {
        name: 'WorkerFailure',
        message: 'worker exited with code 3',
      });
      const after = await pool.run('c');
      assert.notStrictEqual(after.thread, first.thread);
      assert.strictEqual(after.data, 2);
    } finally {
      pool.terminate();
    }
  });

  it('moves what a job lists to transfer to the worker (a port the job talks on)', async () => {
    const talker = path.join(tempRoot, 'talker.js');
    fs.writeFileSync(
      talker,
      `const { parentPort } = require('worker_threads');
const { serveTasks } = require(${JSON.stringify(path.join(repoRoot, 'server', 'out', 'workers', 'pool.js'))});
serveTasks(parentPort, (job) => new Promise((resolve) => {
  job.port.once('message', (answer) => {
    job.port.close();
    resolve(job.question + ' ' + answer);
  });
  job.port.postMessage(job.question);
}));
`,
    );
    const { MessageChannel } = await import('worker_threads');
    type Talk = { question: string; port: import('worker_threads').MessagePort };
    const pool = new pools.WorkerPool<Talk, string>(talker, { maxWorkers: 1 });
    const channel = new MessageChannel();
    channel.port1.on('message', (question: string) => channel.port1.postMessage(`${question}!`));
    try {
      const job = { question: 'ping', port: channel.port2 };
      assert.strictEqual(await pool.run(job, undefined, [channel.port2]), 'ping ping!');
    } finally {
      channel.port1.close();
      pool.terminate();
    }
  });

  it('ends a worker left idle, and fails what is still waiting when terminated', async () => {
    const pool = new pools.WorkerPool<string, Answer>(script, { maxWorkers: 1, idleMs: 50 });
    const first = await pool.run('a');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await pool.run('b');
    assert.notStrictEqual(
      second.thread,
      first.thread,
      'the idle worker was ended and a new one started',
    );
    const waiting = [pool.run('c'), pool.run('d')];
    pool.terminate('stopped on purpose');
    for (const job of waiting) {
      await assert.rejects(job, { name: 'WorkerFailure', message: 'stopped on purpose' });
    }
  });
});

describe('crate runner on the pool', () => {
  const runners =
    loadServerModule<typeof import('../../server/src/lsp/crateRunner')>('lsp/crateRunner');
  let crateRoot: string;
  let fakeIndexWorker: string;

  before(() => {
    crateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-runner-'));
    fs.mkdirSync(path.join(crateRoot, 'src'));
    fs.writeFileSync(path.join(crateRoot, 'Cargo.toml'), '[package]\nname = "local"\n');
    fs.writeFileSync(path.join(crateRoot, 'src', 'lib.rs'), 'pub async fn f() {}\n');
    // Exits on the layout of a root named `crash`; answers other layouts with its workerData.
    fakeIndexWorker = path.join(crateRoot, 'indexWorker.js');
    fs.writeFileSync(
      fakeIndexWorker,
      `const { parentPort, workerData } = require('worker_threads');
const { serveTasks } = require(${JSON.stringify(path.join(repoRoot, 'server', 'out', 'workers', 'pool.js'))});
serveTasks(parentPort, (job) => {
  if (job.kind === 'layout' && job.root === 'crash') process.exit(3);
  return job.kind === 'layout' ? { fromWorker: workerData.calibrations.map(([root]) => root) } : null;
});
`,
    );
  });
  after(() => fs.rmSync(crateRoot, { recursive: true, force: true }));

  it('gives a new index worker the measurements, and indexes in its own thread after three crashes', async () => {
    const log: string[] = [];
    const runner = new runners.CrateRunner((m) => log.push(m), undefined, fakeIndexWorker);
    const data = { version: 1 as const, rustc: 'r', createdAt: 'now', futures: [], types: {} };
    try {
      await runner.run({ kind: 'calibration', root: '/measured', data });
      await assert.rejects(
        runner.run({ kind: 'layout', root: 'crash' }),
        /the index worker exited with code 3/,
      );
      const fresh = (await runner.run({ kind: 'layout', root: crateRoot })) as unknown as {
        fromWorker: string[];
      };
      assert.deepStrictEqual(fresh.fromWorker, ['/measured']);
      await assert.rejects(runner.run({ kind: 'layout', root: 'crash' }));
      await assert.rejects(runner.run({ kind: 'layout', root: 'crash' }));
      assert.match(log.at(-1)!, /indexing in the server thread from now on$/);
      const local = await runner.run({ kind: 'layout', root: crateRoot });
      assert.strictEqual(local.name, 'local');
    } finally {
      runner.dispose();
    }
    assert.strictEqual(log.length, 3, log.join('\n'));
  });
});
