/**
 * The CLI's commands, runnable in-process (tests) as well as from main.ts: `evaluate` one patient's Bundle, `cohort`
 * a population (alert burden, cohort.ts), `demo-export` the demo patients as Bundles. The result is an exit code:
 * 0 done, 1 an input file is unusable, 2 the command line or configuration is wrong. Messages go to `io.stderr`;
 * a stack trace never does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../call-service.js';
import type { HookName } from '../cds-hooks/types.js';
import { ConfigError, parseConfig } from '../config.js';
import { defaultDemoDir, DemoDataError, loadDemoData, patientBundle } from '../demo/demo-data.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';
import { bundleResources } from './bundle-request.js';
import { InputError, UsageError } from './cli-error.js';
import { COHORT_OPTIONS, cohortCommand, type CohortOptions } from './cohort.js';
import { offlinePipeline } from './offline-pipeline.js';
import { formatCards } from './print-cards.js';
import { readJson, readOrders } from './read-input.js';
import { ruleBook, ruleList } from './rule-book.js';
import { configuredKnowledge } from '../configured.js';

const USAGE = `Usage:
  ctd-neuropathy-cds evaluate <bundle.json> [--hook patient-view|order-select|order-sign] [--order <file>]...
                              [--json] [--today YYYY-MM-DD]
      Runs the CDS service on one patient's FHIR Bundle (its resources are the prefetch) and prints the cards.
      --order: a draft order (MedicationRequest, ServiceRequest) or a Bundle of them, for order-select/order-sign;
      an order without a subject is taken to be for the Bundle's patient. Every order given is "selected".
  ctd-neuropathy-cds cohort <dir|manifest.json> [--hook ...] [--order <file>]... [--json] [--today YYYY-MM-DD]
                            [--csv <file>] [--workers N] [--shard i/n] [--progress] [--skip-bad-lines]
                            [--temp-dir <dir>] [--bucket-mb MB]
      The alert burden before go-live: runs every patient of <dir> and prints, per rule and per indicator, how
      many patients get a card, the cards per patient and the codes the service did not recognise. <dir> holds
      one *.json Bundle per patient, or a FHIR Bulk Data export (*.ndjson, *.ndjson.gz, optionally its manifest).
      --csv: one row per patient with a card. --workers: threads (default: one per core). --shard i/n: only the
      i-th of n patient shards. --skip-bad-lines: go on past unreadable lines of an export, and count them.
  ctd-neuropathy-cds cohort merge <report.json>... [--json]
      Combines the --json reports of all shards of one run into the report of the whole population.
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
  /** Whether stderr is a terminal (cohort then shows its progress without --progress). */
  readonly stderrIsTty?: boolean | undefined;
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
  const { values, positionals } = parse(rest, command === 'cohort');
  const clock = clockFor(values.today);
  switch (command) {
    case 'evaluate':
      return evaluate(one(positionals, '<bundle.json>'), hookOf(values), values, clock, io);
    case 'cohort':
      return cohortCommand(positionals, values, hookOf(values), clock, io);
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

interface Options extends CohortOptions {
  readonly hook?: string | undefined;
  readonly today?: string | undefined;
  readonly markdown?: boolean | undefined;
}

const OPTIONS = {
  hook: { type: 'string' },
  order: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  today: { type: 'string' },
  markdown: { type: 'boolean' },
} as const;

function parse(args: readonly string[], cohort: boolean): { values: Options; positionals: string[] } {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: cohort ? { ...OPTIONS, ...COHORT_OPTIONS } : OPTIONS,
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
