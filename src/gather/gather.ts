import type { FhirResource } from 'fhir/r4';
import { CdsError, type IssueDetail } from '../errors.js';
import {
  bundleResources,
  isBundle,
  isOnServer,
  isOperationOutcome,
  nextLink,
  reportsFailure,
  type ResourceBundle,
} from '../fhir/bundle.js';
import { FetchFailure, type FhirReader, type FhirReaderFactory } from '../fhir/fhir-reader.js';
import { substituteTemplate, type TokenValues } from '../cds-hooks/prefetch-template.js';
import type { CdsRequest } from '../cds-hooks/types.js';
import type { UnavailableData } from '../mapping/mapping-item.js';
import { unresolvedMedications } from './medication-references.js';
import { classifyPrefetch } from './prefetch-state.js';
import { assertSamePatient, PatientMismatch } from './patient-consistency.js';

/** One prefetch template the service relies on (from hooks/prefetch). */
export interface PrefetchSpec {
  readonly key: string;
  readonly template: string;
  /** Without a required key the service cannot evaluate safely: 412. Optional keys degrade rules that need them. */
  readonly required: boolean;
  /** What the data is, for a clinician ("biopsy reports (DiagnosticReport)"). */
  readonly label: string;
  /** Decision-model fields it feeds: incomplete when it cannot be read. */
  readonly feeds: readonly string[];
}

export interface GatherOptions {
  readonly readerFor: FhirReaderFactory;
  readonly today: string;
  /** One deadline for all FHIR traffic of the request (ms). */
  readonly deadlineMs: number;
  /** Most pages followed per key (first page included). */
  readonly pageLimit: number;
  /** Observes each FHIR call (metrics); never sees the token. */
  readonly onFetch?: (outcome: 'ok' | FetchFailure['reason']) => void;
}

export type DataSource = 'prefetch' | 'fetched';

export interface Gathered {
  /** Resources per prefetch key; a key is present when its data is known (possibly empty). */
  readonly byKey: ReadonlyMap<string, readonly FhirResource[]>;
  readonly source: ReadonlyMap<string, DataSource>;
  /** Optional data that could not be obtained (a key, or part of one such as a referenced Medication). */
  readonly unavailable: readonly UnavailableData[];
}

interface Failure {
  readonly key: string;
  readonly message: string;
}

/**
 * Gathers the data of every prefetch key: as given by the client, completed by fetching pages, or fetched from the
 * client's FHIR server with its token (spec "Providing FHIR Resources to a CDS Service"). Fetches run in parallel
 * under one deadline. A required key that can be had from neither source ends the request with 412.
 */
export async function gather(
  request: CdsRequest,
  specs: readonly PrefetchSpec[],
  options: GatherOptions
): Promise<Gathered> {
  const patientId = request.context.patientId;
  const byKey = new Map<string, readonly FhirResource[]>();
  const source = new Map<string, DataSource>();
  const failures: Failure[] = [];
  const work: Promise<void>[] = [];
  // One deadline for all FHIR traffic of the request, counted from here. Its timer is made at the first fetch: most
  // requests bring all their data in prefetch, and a timeout signal per request (a timer, a finalizer) is work they
  // would not use.
  const started = performance.now();
  let deadline: AbortSignal | undefined;
  const signal = (): AbortSignal =>
    (deadline ??= AbortSignal.timeout(Math.max(0, Math.ceil(options.deadlineMs - (performance.now() - started)))));
  let reader: FhirReader | undefined;
  const server = request.fhirServer;
  const readerFor = (): FhirReader | undefined => {
    if (server === undefined) {
      return undefined;
    }
    reader ??= options.readerFor(server, request.fhirAuthorization?.access_token);
    return reader;
  };

  for (const spec of specs) {
    const state = classifyPrefetch(request.prefetch?.[spec.key]);
    if (state.kind === 'empty') {
      byKey.set(spec.key, []);
      source.set(spec.key, 'prefetch');
      continue;
    }
    if (state.kind === 'supplied') {
      // Data the client sent for another patient is refused outright (400), never mixed in.
      try {
        assertSamePatient(state.resources, patientId);
      } catch (error) {
        throw mismatchError(error, `prefetch.${spec.key}`);
      }
      if (state.next === undefined) {
        byKey.set(spec.key, state.resources);
        source.set(spec.key, 'prefetch');
        continue;
      }
      const next = state.next;
      work.push(
        collect(spec.key, () => fetchPages(next, [...state.resources], 1)).then((resources) => {
          if (resources !== undefined) {
            byKey.set(spec.key, resources);
            source.set(spec.key, 'prefetch');
          }
        })
      );
      continue;
    }
    const url = substituteTemplate(spec.template, request.context as unknown as TokenValues, options.today);
    if (url === undefined) {
      failures.push({
        key: spec.key,
        message: 'its prefetch template needs a context value the request does not have',
      });
      continue;
    }
    work.push(
      collect(spec.key, () => fetchQuery(url)).then((resources) => {
        if (resources !== undefined) {
          byKey.set(spec.key, resources);
          source.set(spec.key, 'fetched');
        }
      })
    );
  }

  await Promise.all(work);
  await resolveMedications();

  const required = new Set(specs.filter((s) => s.required).map((s) => s.key));
  const fatal = failures.filter((f) => required.has(f.key) && !byKey.has(f.key));
  if (fatal.length > 0) {
    const issues: IssueDetail[] = fatal.map((f) => ({
      message: `Required data '${f.key}' was not in the prefetch and could not be fetched: ${f.message}.`,
      expression: [`prefetch.${f.key}`],
    }));
    throw new CdsError('prefetch-unavailable', issues);
  }
  const unavailable = failures.map((f): UnavailableData => {
    const spec = specs.find((s) => s.key === f.key);
    return { key: f.key, label: spec?.label ?? f.key, feeds: spec?.feeds ?? [], reason: f.message };
  });
  return { byKey, source, unavailable };

  /**
   * Medications referenced but not included (`medicationReference` to `Medication/<id>`, FHIR R4 medication[x]):
   * read from the client's FHIR server within the same deadline. What cannot be read leaves its key incomplete:
   * the product is unknown, which is not the same as absent.
   */
  async function resolveMedications(): Promise<void> {
    const wanted = unresolvedMedications(byKey, server);
    const reads = [...wanted].map(async ([key, references]) => {
      const found: FhirResource[] = [];
      let failed: string | undefined;
      await Promise.all(
        [...references].map(async (reference) => {
          try {
            const resource = server === undefined ? undefined : await get(reference);
            if (resource?.resourceType === 'Medication') {
              found.push(resource);
            } else {
              failed ??= server === undefined ? 'the request has no fhirServer to read it from' : 'it was not found';
            }
          } catch (error) {
            failed ??= failureMessage(error);
          }
        })
      );
      byKey.set(key, [...(byKey.get(key) ?? []), ...found]);
      if (failed !== undefined) {
        failures.push({ key, message: `a referenced Medication could not be read: ${failed}` });
      }
    });
    await Promise.all(reads);
  }

  async function collect(key: string, run: () => Promise<FhirResource[]>): Promise<FhirResource[] | undefined> {
    try {
      const resources = await run();
      // Data fetched for another patient is a server fault: treat the key as unobtainable rather than use it.
      assertSamePatient(resources, patientId);
      return resources;
    } catch (error) {
      failures.push({ key, message: failureMessage(error) });
      return undefined;
    }
  }

  async function fetchQuery(url: string): Promise<FhirResource[]> {
    const result = await get(url);
    if (result === null) {
      return [];
    }
    if (isOperationOutcome(result)) {
      throw new FetchFailure('refused', 'the FHIR server answered with an OperationOutcome');
    }
    if (!isBundle(result)) {
      return [result];
    }
    return checkedPages(result, [], 0);
  }

  async function fetchPages(next: string, resources: FhirResource[], pagesSoFar: number): Promise<FhirResource[]> {
    const page = await get(next);
    if (page === null || !isBundle(page)) {
      throw new FetchFailure('malformed', 'a next page was not a Bundle');
    }
    return checkedPages(page, resources, pagesSoFar);
  }

  async function checkedPages(
    page: ResourceBundle,
    resources: FhirResource[],
    pagesSoFar: number
  ): Promise<FhirResource[]> {
    const failed = (page.entry ?? []).some(
      (entry) => entry.resource !== undefined && isOperationOutcome(entry.resource) && reportsFailure(entry.resource)
    );
    if (failed) {
      throw new FetchFailure('refused', 'the search reported an error outcome');
    }
    resources.push(...bundleResources(page));
    const next = nextLink(page);
    if (next === undefined) {
      return resources;
    }
    if (pagesSoFar + 1 >= options.pageLimit) {
      throw new FetchFailure('refused', `the result has more than ${options.pageLimit} pages`);
    }
    return fetchPages(next, resources, pagesSoFar + 1);
  }

  async function get(url: string): Promise<FhirResource | null> {
    const fhir = readerFor();
    if (fhir === undefined || server === undefined) {
      throw new FetchFailure('refused', 'the request has no fhirServer to fetch it from');
    }
    // Absolute links (next pages) must stay on the client's FHIR server: the bearer token goes with them.
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !isOnServer(url, server)) {
      throw new FetchFailure('refused', 'a next link points outside fhirServer, so it was not followed');
    }
    try {
      const result = await fhir.get(url, signal());
      options.onFetch?.('ok');
      return result;
    } catch (error) {
      const failure =
        error instanceof FetchFailure ? error : new FetchFailure('network', 'the FHIR server could not be reached');
      options.onFetch?.(failure.reason);
      throw failure;
    }
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof FetchFailure) {
    return error.message;
  }
  if (error instanceof PatientMismatch) {
    return 'the FHIR server returned data of another patient';
  }
  return 'the FHIR server answer could not be used';
}

function mismatchError(error: unknown, expression: string): unknown {
  if (!(error instanceof PatientMismatch)) {
    return error;
  }
  return new CdsError('patient-mismatch', [
    {
      message: `${expression} holds ${error.resourceRef} of another patient than context.patientId; the request was refused so that data of two patients is never mixed.`,
      expression: [expression],
    },
  ]);
}
