/**
 * FHIR fetch path: a patient-view request without prefetch, so the service queries the CDS Client's FHIR
 * server itself, through the real fhir-kit-client adapter, over loopback HTTP. The stub FHIR server answers each
 * query after an added latency (the Observation searches are the slowest, as on real EHRs). The baseline, measured
 * in the same run through the same client, is the slowest single query alone: 1.0x means the queries ran perfectly
 * in parallel; serial queries would approach their count (the goal is at most 1.2x).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callService } from '../src/call-service.js';
import type { CdsRequest } from '../src/cds-hooks/types.js';
import { createFhirKitReader } from '../src/fhir/fhir-kit-reader.js';
import { benchKnowledge, benchPipeline, patientViewService } from './lib/bench-pipeline.js';
import { measure, round, summarise, type Timing } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

/** Added latency per resource type searched (ms). */
const LATENCY_MS: Readonly<Record<string, number>> = {
  Observation: 60,
  Condition: 40,
  MedicationRequest: 30,
  MedicationStatement: 30,
  Procedure: 25,
  ServiceRequest: 25,
  DiagnosticReport: 25,
};

export interface FhirFetchResult {
  readonly queries: number;
  readonly latencies: Readonly<Record<string, number>>;
  readonly slowestQuery: Timing;
  readonly request: Timing;
  /** Median of the gather stage (the fetches) within the request (ms). */
  readonly gather: number;
  /** request median / slowest single query median. */
  readonly ratio: number;
}

interface StubServer {
  readonly base: string;
  /** Every query received (path and search, relative to the base). */
  readonly log: string[];
  readonly close: () => Promise<void>;
}

/** Whether a resource has one of the `code` search parameter's system|code tokens (no `code`: every resource). */
function matchesCode(resource: Record<string, unknown>, tokens: readonly string[] | undefined): boolean {
  if (tokens === undefined) {
    return true;
  }
  const codings = ((resource['code'] as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ??
    []) as { system?: string; code?: string }[];
  return codings.some((c) => tokens.includes(`${c.system ?? ''}|${c.code ?? ''}`));
}

/**
 * Serves a synthetic patient's resources as searchsets after the resource type's latency. It honours the `code`
 * parameter, as a real server does, so that each query returns what it asked for; other parameters are ignored.
 */
async function stubFhirServer(resources: readonly Record<string, unknown>[]): Promise<StubServer> {
  const byType = new Map<string, Record<string, unknown>[]>();
  for (const resource of resources) {
    const type = String(resource['resourceType']);
    byType.set(type, [...(byType.get(type) ?? []), resource]);
  }
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    log.push(`${url.pathname.replace(/^\/fhir\//, '')}${url.search}`);
    const type = /\/fhir\/([A-Za-z]+)/.exec(url.pathname)?.[1] ?? '';
    const tokens = url.searchParams.get('code')?.split(',');
    const entries = (byType.get(type) ?? [])
      .filter((resource) => matchesCode(resource, tokens))
      .map((resource) => ({ resource, search: { mode: 'match' } }));
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries });
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(body);
    }, LATENCY_MS[type] ?? 25);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${String(port)}/fhir`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export async function runFhirFetchBench(quick: boolean): Promise<FhirFetchResult> {
  const knowledge = benchKnowledge();
  const service = patientViewService(knowledge);
  const patient = syntheticRequest(300) as { prefetch: Record<string, { entry?: { resource: object }[] } | null> };
  const resources = Object.values(patient.prefetch).flatMap((b) => (b?.entry ?? []).map((e) => e.resource));
  const stub = await stubFhirServer(resources as Record<string, unknown>[]);
  try {
    const gatherSamples: number[] = [];
    const deps = benchPipeline(knowledge, {
      stage: (_service, stage, seconds) => {
        if (stage === 'gather') {
          gatherSamples.push(seconds * 1000);
        }
      },
    });
    const request = {
      hook: 'patient-view',
      hookInstance: '00000000-0000-4000-8000-000000000001',
      fhirServer: stub.base,
      fhirAuthorization: {
        access_token: 'bench-token',
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'user/*.read',
        subject: 'bench',
      },
      context: { userId: 'Practitioner/bench', patientId: 'bench-patient' },
    } as CdsRequest;
    const options = { warmup: quick ? 2 : 5, iterations: quick ? 10 : 40, budgetMs: quick ? 2000 : 8000 };

    await callService(service, request, deps, 'http://127.0.0.1');
    const queries = [...stub.log];

    // Each of the service's queries alone, through the same reader; the slowest is the floor of the request.
    const reader = createFhirKitReader(stub.base, 'bench-token');
    let slowestQuery: Timing | undefined;
    for (const query of queries) {
      const alone = await measure(() => reader.get(query, AbortSignal.timeout(5000)), options);
      if (slowestQuery === undefined || alone.median > slowestQuery.median) {
        slowestQuery = alone;
      }
    }
    if (slowestQuery === undefined) {
      throw new Error('the request made no FHIR query: the benchmark would measure nothing');
    }
    gatherSamples.length = 0;
    const timing = await measure(() => callService(service, request, deps, 'http://127.0.0.1'), options);
    return {
      queries: queries.length,
      latencies: LATENCY_MS,
      slowestQuery,
      request: timing,
      gather: round(summarise(gatherSamples).median, 1),
      ratio: round(timing.median / slowestQuery.median),
    };
  } finally {
    await stub.close();
  }
}

export function fhirFetchTable(result: FhirFetchResult): string {
  return [
    '| FHIR queries per request | slowest single query median (ms) | fetch stage median (ms) | whole request median / p95 (ms) | request / slowest query |',
    '|---|---|---|---|---|',
    `| ${String(result.queries)} | ${String(round(result.slowestQuery.median, 1))} | ${String(result.gather)} | ${String(round(result.request.median, 1))} / ${String(round(result.request.p95, 1))} | **${String(result.ratio)}x** |`,
  ].join('\n');
}
