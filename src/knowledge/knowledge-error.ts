import { readFileSync } from 'node:fs';

/**
 * A knowledge file (hooks/, cards/, mappings/) or trusted-clients file that cannot be used. Start-up stops with this
 * message, which names the file and the JSON path, so that an informaticist can fix the file without reading code.
 */
export class KnowledgeError extends Error {
  readonly file: string;
  readonly path: string;

  constructor(file: string, path: string, message: string) {
    super(`${file}${path === '' ? '' : ` at ${path}`}: ${message}`);
    this.name = 'KnowledgeError';
    this.file = file;
    this.path = path;
  }
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KnowledgeError(file, '', `cannot be read (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new KnowledgeError(file, '', `is not valid JSON (${(error as Error).message})`);
  }
}
