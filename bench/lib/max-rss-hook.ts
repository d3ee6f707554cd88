/**
 * Loaded with `node --import` into a process under measurement: at exit it writes the process's peak resident set
 * size (KiB, `process.resourceUsage().maxRSS`, worker threads included) to the file named by MAX_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env['MAX_RSS_FILE'];
if (file !== undefined) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
