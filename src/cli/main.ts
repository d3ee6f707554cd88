#!/usr/bin/env node
/**
 * Command-line entry (package.json "bin": ctd-neuropathy-cds). Like server.ts it is an entry file: it alone hands the
 * process environment and streams to the CLI (run.ts) and sets the exit code.
 */
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stderrIsTty: process.stderr.isTTY,
});
