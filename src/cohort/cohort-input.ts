import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../cli/cli-error.js';

/**
 * What `cohort <path>` reads, detected from the path rather than flagged:
 *
 * - a folder holding `*.ndjson` / `*.ndjson.gz` (or `*.jsonl`) files is a FHIR Bulk Data export: one resource per
 *   line, any type in any file (the type is read from each line). A Bulk Data manifest (`*.json` with an `output`
 *   array, FHIR Bulk Data IG "Response - Complete Status") in that folder says which files to read;
 * - a manifest file given as the path names its files by the last segment of each `output[].url`, in the manifest's
 *   folder, whatever their naming (some servers' file URLs have no extension);
 * - a folder of `*.json` files otherwise holds one FHIR Bundle per patient (the CLI's original input).
 *
 * Gzip is recognised by its magic bytes (ndjson-lines.ts), not by the name.
 */
export type CohortInput =
  | { readonly kind: 'bundles'; readonly dir: string; readonly files: readonly string[] }
  | { readonly kind: 'bulk-export'; readonly files: readonly string[]; readonly manifest: string | undefined };

const NDJSON = /\.(ndjson|jsonl)(\.gz)?$/i;

export function detectInput(path: string): CohortInput {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    throw new InputError(`Cannot read ${path}: no such file or folder.`);
  }
  if (!isFolder) {
    if (NDJSON.test(path)) {
      return { kind: 'bulk-export', files: [path], manifest: undefined };
    }
    const manifest = manifestOf(path);
    if (manifest === undefined) {
      throw new InputError(`${path} is neither a folder, an NDJSON file nor a Bulk Data manifest (no output[]).`);
    }
    return { kind: 'bulk-export', files: manifestFiles(path, manifest), manifest: path };
  }
  let names: string[];
  try {
    names = readdirSync(path)
      .filter((name) => statSync(join(path, name)).isFile())
      .sort();
  } catch {
    throw new InputError(`Cannot read the folder ${path}.`);
  }
  const ndjson = names.filter((name) => NDJSON.test(name));
  const json = names.filter((name) => name.endsWith('.json'));
  if (ndjson.length > 0) {
    for (const name of json) {
      const manifest = manifestOf(join(path, name));
      if (manifest !== undefined) {
        return { kind: 'bulk-export', files: manifestFiles(join(path, name), manifest), manifest: join(path, name) };
      }
    }
    return { kind: 'bulk-export', files: ndjson.map((name) => join(path, name)), manifest: undefined };
  }
  if (json.length === 0) {
    throw new InputError(`${path} holds no *.json Bundle and no *.ndjson or *.ndjson.gz file.`);
  }
  return { kind: 'bundles', dir: path, files: json };
}

interface Manifest {
  readonly output: readonly unknown[];
}

/** The manifest in `file`, or undefined when it is not one (a Bundle, say). */
function manifestOf(file: string): Manifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const output = (json as { output?: unknown } | null)?.output;
  const isResource = typeof (json as { resourceType?: unknown } | null)?.resourceType === 'string';
  return Array.isArray(output) && !isResource ? { output } : undefined;
}

function manifestFiles(file: string, manifest: Manifest): string[] {
  const files = manifest.output.map((entry, i) => {
    const url = (entry as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || url === '') {
      throw new InputError(`${file}: output[${String(i)}] has no url.`);
    }
    // The file's name is the URL's last path segment (without query); the manifest's folder holds it.
    const name = basename(url.replace(/[?#].*$/, ''));
    const local = join(dirname(file), name);
    try {
      statSync(local);
    } catch {
      throw new InputError(`${file}: output[${String(i)}] names ${name}, which is not in ${dirname(file)}.`);
    }
    return local;
  });
  if (files.length === 0) {
    throw new InputError(`${file}: the manifest lists no output file.`);
  }
  return [...new Set(files)];
}
