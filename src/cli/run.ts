/**
 * The CLI's commands, runnable in-process (tests) as well as from main.ts: `evaluate` one patient's Bundle, `cohort`
 * a folder of patients (alert burden), `demo-export` the demo patients as Bundles. The result is an exit code:
 * 0 done, 1 an input file is unusable, 2 the command line or configuration is wrong. Messages go to `io.stderr`;
 * a stack trace never does.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FhirResource } from 'fhir/r4';
import { systemClock, type Clock } from '../call-service.js';
import type { Card, HookName } from '../cds-hooks/types.js';
import { ConfigError, parseConfig } from '../config.js';
import { defaultDemoDir, DemoDataError, loadDemoData, patientBundle } from '../demo/demo-data.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';
import { bundleResources } from './bundle-request.js';
import { InputError, UsageError } from './cli-error.js';
import { cohortReport, formatCohort } from './cohort.js';
import { offlinePipeline } from './offline-pipeline.js';
import { formatCards } from './print-cards.js';
import { ruleBook, ruleList } from './rule-book.js';
import { configuredKnowledge } from '../configured.js';

const USAGE = `Usage:
  ctd-neuropathy-cds evaluate <bundle.json> [--hook patient-view|order-select|order-sign] [--order <file>]...
                              [--json] [--today YYYY-MM-DD]
      Runs the CDS service on one patient's FHIR Bundle (its resources are the prefetch) and prints the cards.
      --order: a draft order (MedicationRequest, ServiceRequest) or a Bundle of them, for order-select/order-sign;
      an order without a subject is taken to be for the Bundle's patient. Every order given is "selected".
  ctd-neuropathy-cds cohort <dir> [--hook ...] [--order <file>]... [--json] [--today YYYY-MM-DD]
      Runs every *.json Bundle of <dir> (one patient each) and prints, per rule and per indicator, how many
      patients get a card: the alert burden before go-live.
  ctd-neuropathy-cds demo-export <dir> [--today YYYY-MM-DD]
      Writes each demo patient as <dir>/<patient-id>.json and the demo draft orders as <dir>/orders/<id>.json,
      with their dates resolved for today.
  ctd-neuropathy-cds rules [--markdown]
      Lists every rule (id, hooks, indicator, title) in clinical priority order; --markdown prints the rule book
      for a CDS committee (when each card shows, what it suggests, the data it needs, conflicts, sources).
Exit codes: 0 done, 1 an input file cannot be used, 2 wrong command line or configuration.
`;

const HOOKS: readonly HookName[] = ['patient-view', 'order-select', 'order-sign'];

/** Where the CLI writes, and the environment it reads (SITE_CONFIG and the service's other settings apply). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ctd-neuropathy-cds: ${error.message}\n\n${USAGE}`);
      return error.exitCode;
    }
    if (error instanceof ConfigError || error instanceof KnowledgeError || error instanceof DemoDataError) {
      io.stderr(`Cannot run: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    // Never a stack trace: the message, and what it means.
    io.stderr(`Failed: ${error instanceof Error ? error.message : String(error)} (this is a bug; please report it).\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    if (command === undefined) {
      throw new UsageError('Give a command.');
    }
    io.stdout(USAGE);
    return 0;
  }
  const { values, positionals } = parse(rest);
  const clock = clockFor(values.today);
  switch (command) {
    case 'evaluate':
      return evaluate(one(positionals, '<bundle.json>'), hookOf(values), values, clock, io);
    case 'cohort':
      return cohort(one(positionals, '<dir>'), hookOf(values), values, clock, io);
    case 'demo-export':
      return demoExport(one(positionals, '<dir>'), clock, io);
    case 'rules': {
      if (positionals.length > 0) {
        throw new UsageError('rules takes no file or folder.');
      }
      const config = parseConfig(io.env);
      const knowledge = configuredKnowledge(config);
      io.stdout(values.markdown === true ? ruleBook(knowledge, config.knowledgeDir) : ruleList(knowledge));
      return 0;
    }
    default:
      throw new UsageError(`Unknown command '${command}'.`);
  }
}

interface Options {
  readonly hook?: string | undefined;
  readonly order?: string[] | undefined;
  readonly json?: boolean | undefined;
  readonly today?: string | undefined;
  readonly markdown?: boolean | undefined;
}

function parse(args: readonly string[]): { values: Options; positionals: string[] } {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        hook: { type: 'string' },
        order: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        today: { type: 'string' },
        markdown: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function one(positionals: readonly string[], name: string): string {
  const [value, ...extra] = positionals;
  if (value === undefined || extra.length > 0) {
    throw new UsageError(`Give exactly one ${name}.`);
  }
  return value;
}

function hookOf(values: Options): HookName {
  const hook = values.hook ?? 'patient-view';
  if (!(HOOKS as readonly string[]).includes(hook)) {
    throw new UsageError(`--hook must be one of ${HOOKS.join(', ')}, not '${hook}'.`);
  }
  if (hook !== 'patient-view' && (values.order ?? []).length === 0) {
    throw new UsageError(`${hook} checks draft orders: give at least one --order <file>.`);
  }
  if (hook === 'patient-view' && (values.order ?? []).length > 0) {
    throw new UsageError('--order is for order-select and order-sign; patient-view has no draft orders.');
  }
  return hook as HookName;
}

function clockFor(today: string | undefined): Clock {
  if (today === undefined) {
    return systemClock;
  }
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(today) && new Date(`${today}T00:00:00Z`).toISOString().startsWith(today);
  if (!valid) {
    throw new UsageError(`--today must be a date such as 2026-06-01, not '${today}'.`);
  }
  return { today: () => today };
}

function readJson(file: string): unknown {
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
function readOrders(files: readonly string[]): FhirResource[] {
  return files.flatMap((file) => {
    const json = readJson(file);
    const type = (json as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string') {
      throw new InputError(`${file} is not a FHIR resource (it has no resourceType).`);
    }
    return type === 'Bundle' ? bundleResources(json, file) : [json as FhirResource];
  });
}

async function evaluate(file: string, hook: HookName, values: Options, clock: Clock, io: CliIo): Promise<number> {
  const resources = bundleResources(readJson(file), file);
  const orders = hook === 'patient-view' ? undefined : readOrders(values.order ?? []);
  const pipeline = offlinePipeline(parseConfig(io.env), clock);
  const result = await pipeline.evaluate(resources, file, hook, orders);
  if (values.json === true) {
    io.stdout(`${JSON.stringify(result.response, null, 2)}\n`);
    return 0;
  }
  const who = `${result.patientName === undefined ? '' : `${result.patientName} `}(Patient/${result.patientId})`;
  io.stdout(formatCards(`${hook} for ${who} on ${pipeline.today}`, result.response.cards));
  return 0;
}

async function cohort(dir: string, hook: HookName, values: Options, clock: Clock, io: CliIo): Promise<number> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && statSync(join(dir, f)).isFile())
      .sort();
  } catch {
    throw new InputError(`Cannot read the folder ${dir}.`);
  }
  if (files.length === 0) {
    throw new InputError(`${dir} holds no *.json Bundle.`);
  }
  const orders = hook === 'patient-view' ? undefined : readOrders(values.order ?? []);
  const pipeline = offlinePipeline(parseConfig(io.env), clock);
  const results: Card[][] = [];
  const failed: { file: string; error: string }[] = [];
  for (const name of files) {
    const file = join(dir, name);
    try {
      const { response } = await pipeline.evaluate(bundleResources(readJson(file), name), name, hook, orders);
      results.push([...response.cards]);
    } catch (error) {
      if (!(error instanceof InputError)) {
        throw error;
      }
      failed.push({ file: name, error: error.message });
    }
  }
  const service = [...pipeline.knowledge.services.values()].find((s) => s.definition.hook === hook);
  const report = cohortReport(
    hook,
    pipeline.today,
    (service?.rules ?? []).map((r) => r.id),
    results,
    failed
  );
  io.stdout(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatCohort(report, dir));
  // The report is printed either way; the exit code says it is incomplete.
  return failed.length === 0 ? 0 : 1;
}

function demoExport(dir: string, clock: Clock, io: CliIo): number {
  const demo = loadDemoData(defaultDemoDir(), clock.today());
  try {
    mkdirSync(join(dir, 'orders'), { recursive: true });
    for (const patient of demo.patients) {
      writeFileSync(join(dir, `${patient.id}.json`), `${JSON.stringify(patientBundle(patient), null, 2)}\n`);
    }
    for (const [id, order] of demo.orders) {
      writeFileSync(join(dir, 'orders', `${id}.json`), `${JSON.stringify(order, null, 2)}\n`);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputError(`Cannot write to ${dir}${typeof code === 'string' ? ` (${code})` : ''}.`);
  }
  io.stdout(
    `Wrote ${String(demo.patients.length)} patient Bundles to ${dir} and ${String(demo.orders.size)} draft orders to ${join(dir, 'orders')} (dates for ${demo.today}).\n`
  );
  return 0;
}
