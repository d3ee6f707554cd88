/**
 * `npm run bench` entry (compiled, run with node, as production runs): benchmarks in this run, results as JSON in
 * bench/results/ and as Markdown on stdout. `-- --quick` runs shorter and smaller.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { feedbackTable, runFeedbackBench } from './feedback.bench.js';
import { fhirFetchTable, runFhirFetchBench } from './fhir-fetch.bench.js';
import { mappingTable, runMappingBench } from './mapping.bench.js';
import { runStagesBench, stagesTable } from './stages.bench.js';

const quick = process.argv.includes('--quick');
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  date: new Date().toISOString(),
};
console.log(
  `# Benchmarks (${quick ? 'quick' : 'full'}) - ${machine.cpu}, ${String(machine.cores)} cores, Node ${machine.node}\n`
);

const mapping = await runMappingBench(quick ? [100, 1000] : [100, 1000, 10_000], quick);
console.log('## Map stage against JSON.parse of the same body\n');
console.log(mappingTable(mapping));

const stages = await runStagesBench(quick ? [10, 100, 1000] : [10, 100, 1000, 10_000], quick);
console.log('\n## In-process stages and the whole handler (ms), against JSON.parse of the same body\n');
console.log(stagesTable(stages));

const fhirFetch = await runFhirFetchBench(quick);
console.log('\n## FHIR fetch path (no prefetch): the whole request against its slowest single query\n');
console.log(fhirFetchTable(fhirFetch));

const feedback = await runFeedbackBench(quick);
console.log('\n## Feedback stores (PostgreSQL when DATABASE_URL is set)\n');
console.log(feedbackTable(feedback));

const dir = join(import.meta.dirname, '..', '..', 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${machine.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(file, JSON.stringify({ machine, quick, mapping, stages, fhirFetch, feedback }, null, 2));
console.log(`\nResults: ${file}`);
