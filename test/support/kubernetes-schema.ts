import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { defaultKnowledgeDir } from '../../src/config.js';

/**
 * Kubernetes manifests checked as the API server would, without a cluster (none runs here):
 *
 * 1. the API's OpenAPI schema, through kubernetes-models (required fields, types, enums, formats);
 * 2. no field the API does not know. The schemas allow unknown fields, and a misspelt `readinessProbe` would pass
 *    them and be dropped (kubectl's strict field validation refuses it). So every object is also type-checked,
 *    as a TypeScript object literal, against kubernetes-models' declared interfaces: excess-property checks find
 *    an unknown field at any depth.
 */
export interface Manifest {
  /** `file.yaml#n`: the file and the document's index in it. */
  readonly source: string;
  readonly object: KubernetesObject;
}

export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

export const MANIFESTS_DIR = join(defaultKnowledgeDir(), 'deploy', 'kubernetes');

/** Every document of every YAML file in the folder (empty documents skipped); YAML errors throw. */
export function loadManifests(dir = MANIFESTS_DIR): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).forEach((document, index) => {
      if (document.errors.length > 0) {
        throw new Error(`${file}#${String(index)}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      const object = document.toJS() as KubernetesObject | null;
      if (object !== null) {
        manifests.push({ source: `${file}#${String(index)}`, object });
      }
    });
  }
  return manifests;
}

/** The kubernetes-models module of an apiVersion and kind: `v1` is the core group. */
function modelModule(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Schema errors of one object (empty when valid), or why it could not be checked. */
export async function schemaErrors(object: KubernetesObject): Promise<string[]> {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    return ['apiVersion and kind are required'];
  }
  let model: (new (data: unknown) => { validate(): void }) | undefined;
  try {
    const module = (await import(modelModule(object.apiVersion, object.kind))) as Record<string, unknown>;
    model = module[object.kind] as typeof model;
  } catch {
    model = undefined;
  }
  if (model === undefined) {
    return [`${object.apiVersion} ${object.kind} is not a Kubernetes API object known to kubernetes-models`];
  }
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * Unknown or mistyped fields, per manifest source: every object becomes `const x: IKind = <its JSON>;` in one
 * TypeScript program, compiled against kubernetes-models' declarations.
 */
export function typeErrors(manifests: readonly Manifest[]): Map<string, string[]> {
  const root = defaultKnowledgeDir();
  const fileName = join(root, 'test', 'deploy', '__kubernetes-manifests__.ts');
  const ranges: { source: string; start: number; end: number }[] = [];
  let text = '';
  manifests.forEach(({ source, object }, i) => {
    const start = text.length;
    text += `import type { I${object.kind} as T${String(i)} } from '${modelModule(object.apiVersion, object.kind)}';\n`;
    text += `export const m${String(i)}: T${String(i)} = ${JSON.stringify(object, null, 2)};\n`;
    ranges.push({ source, start, end: text.length });
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? text : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const errors = new Map<string, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const at = diagnostic.start ?? -1;
    const source = ranges.find((r) => at >= r.start && at < r.end)?.source ?? '(the generated program)';
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    errors.set(source, [...(errors.get(source) ?? []), message]);
  }
  return errors;
}
