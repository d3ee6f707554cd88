import { readFileSync } from 'node:fs';
import type { FhirResource } from 'fhir/r4';
import { bundleResources } from './bundle-request.js';
import { InputError } from './cli-error.js';

/** A JSON file the user named, or an InputError saying what is wrong with it. */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputError(
      `Cannot read ${file}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : ''}.`
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not valid JSON (${error instanceof Error ? error.message : 'parse error'}).`);
  }
}

/** The draft orders of every --order file: a resource, or a Bundle of them. */
export function readOrders(files: readonly string[]): FhirResource[] {
  return files.flatMap((file) => {
    const json = readJson(file);
    const type = (json as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string') {
      throw new InputError(`${file} is not a FHIR resource (it has no resourceType).`);
    }
    return type === 'Bundle' ? bundleResources(json, file) : [json as FhirResource];
  });
}
