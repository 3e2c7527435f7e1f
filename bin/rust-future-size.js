#!/usr/bin/env node
'use strict';

let cli;
try {
  cli = require('../server/out/cli/main.js');
} catch (error) {
  if (
    error &&
    error.code === 'MODULE_NOT_FOUND' &&
    String(error.message).includes('server/out/cli/main.js')
  ) {
    process.stderr.write('rust-future-size: error: not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw error;
}

cli.main(process.argv.slice(2)).then((exitCode) => {
  process.exitCode = exitCode;
});
