import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultKnowledgeDir } from '../../src/config.js';

const copies: string[] = [];

/** A throw-away copy of the repository's knowledge folders (hooks/, cards/, mappings/), for breaking a file. */
export function knowledgeCopy(parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'knowledge-'));
  for (const folder of ['hooks', 'cards', 'mappings']) {
    cpSync(join(defaultKnowledgeDir(), folder), join(dir, folder), { recursive: true });
  }
  copies.push(dir);
  return dir;
}

/** Removes every copy made so far (an afterEach of the test files that make them). */
export function removeKnowledgeCopies(): void {
  for (const dir of copies.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
}
