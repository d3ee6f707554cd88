import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { InputError } from '../cli/cli-error.js';

/** One line of an NDJSON file, numbered from 1 as an editor shows it. */
export interface NumberedLine {
  readonly text: string;
  readonly number: number;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether `file` starts with the gzip magic bytes (RFC 1952 section 2.3.1), whatever its name. */
export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * The lines of an NDJSON file, plain or gzipped (several gzip members one after the other too), streamed: memory
 * holds one chunk and one line, whatever the file's size. `onBytes` is told how many bytes of the file (compressed,
 * if it is) were read so far, for progress. A damaged gzip stream is an InputError naming the file and the line.
 */
export async function* ndjsonLines(file: string, onBytes?: (bytesRead: number) => void): AsyncGenerator<NumberedLine> {
  let gzip: boolean;
  try {
    gzip = await isGzip(file);
  } catch {
    throw new InputError(`Cannot read ${file}.`);
  }
  const raw = createReadStream(file);
  if (onBytes !== undefined) {
    raw.on('data', () => {
      onBytes(raw.bytesRead);
    });
  }
  const input = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) {
    // pipe() does not forward errors: a read error of the file must end the line iterator too.
    raw.on('error', (error) => input.destroy(error));
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number += 1;
      // A UTF-8 byte order mark is not part of the first resource.
      yield { text: number === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text, number };
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${file}, after line ${String(number)}: cannot be read${gzip ? ' as gzip' : ''} (${reason}).`);
  } finally {
    lines.close();
    raw.destroy();
  }
}
