/**
 * `npm run bench` entry (compiled, run with node, as production runs): benchmarks in this run, results as JSON in
 * bench/results/ and as Markdown on stdout. `-- --quick` runs shorter and smaller.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareTable, runBareBench } from './bare-http.bench.js';
import { cohortTable, runCohortBench } from './cohort.bench.js';
import { engineTable, runEngineBench } from './engine.bench.js';
import { feedbackTable, runFeedbackBench } from './feedback.bench.js';
import { fhirFetchTable, runFhirFetchBench } from './fhir-fetch.bench.js';
import {
  fairnessTable,
  httpTable,
  runFairnessBench,
  runHttpBench,
  runStartupBench,
  startupTable,
} from './http.bench.js';
import { mappingTable, runMappingBench } from './mapping.bench.js';
import { overloadTable, runOverloadBench } from './overload.bench.js';
import { runStagesBench, stagesTable } from './stages.bench.js';

const quick = process.argv.includes('--quick');
// Read from node_modules directly: not every package exports its package.json.
const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  versions: Object.fromEntries(['jsonata', 'ajv', 'express', 'fhir-kit-client'].map((n) => [n, versionOf(n)])),
  date: new Date().toISOString(),
};
console.log(
  `# Benchmarks (${quick ? 'quick' : 'full'}) - ${machine.cpu}, ${String(machine.cores)} cores, Node ${machine.node}\n`
);

const mapping = await runMappingBench(quick ? [100, 1000] : [100, 1000, 10_000], quick);
console.log('## Map stage against JSON.parse of the same body\n');
console.log(mappingTable(mapping));

const stages = await runStagesBench([10, 100, 1000, 10_000], quick);
console.log('\n## In-process stages and the whole handler (ms), against JSON.parse of the same body\n');
console.log(stagesTable(stages));

const engine = await runEngineBench([10, 100, 1000], quick);
console.log('\n## Expression engines: the handler with the compiled evaluator and with jsonata, same requests\n');
console.log(engineTable(engine));

const fhirFetch = await runFhirFetchBench(quick);
console.log('\n## FHIR fetch path (no prefetch): the whole request against its slowest single query\n');
console.log(fhirFetchTable(fhirFetch));

const feedbackDir = mkdtempSync(join(tmpdir(), 'bench-feedback-'));
const http = await runHttpBench(quick, feedbackDir);
console.log('\n## HTTP on loopback: the real endpoint against a minimal one in the same app\n');
console.log(httpTable(http));

const bare = await runBareBench(quick, feedbackDir);
console.log('\n## The service against a bare node:http server that only parses and answers, 10 resources\n');
console.log(bareTable(bare));

const fairness = [await runFairnessBench(quick, feedbackDir, undefined), await runFairnessBench(quick, feedbackDir, 0)];
console.log('\n## Fairness: a 10-resource request sent while a 10,000-resource request is in flight\n');
console.log(fairnessTable(fairness));

const overload = await runOverloadBench(quick, feedbackDir);
console.log('\n## Overload: a bounded work queue against none\n');
console.log(overloadTable(overload));

const startup = await runStartupBench(feedbackDir);
console.log('\n## Start-up (compiled server, production settings)\n');
console.log(startupTable(startup));
rmSync(feedbackDir, { recursive: true, force: true });

const feedback = await runFeedbackBench(quick);
console.log('\n## Feedback stores (PostgreSQL when DATABASE_URL is set)\n');
console.log(feedbackTable(feedback));

const cohort = await runCohortBench(quick);
console.log('\n## Cohort over a Bulk Data export: patients/s and peak RSS at 1 and 2 workers\n');
console.log(cohortTable(cohort));

const dir = join(import.meta.dirname, '..', '..', 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${machine.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(
  file,
  JSON.stringify(
    { machine, quick, mapping, stages, engine, fhirFetch, http, bare, fairness, overload, startup, feedback, cohort },
    null,
    2
  )
);
console.log(`\nResults: ${file}`);
