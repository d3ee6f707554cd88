import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, FhirResource, MedicationRequest, Patient, Practitioner, ServiceRequest } from 'fhir/r4';
import { defaultKnowledgeDir } from '../config.js';
import { resolveRelativeDates } from './relative-dates.js';

/**
 * The synthetic demo patients (`demo/patients/*.json`) and example draft orders (`demo/orders/*.json`). Both are
 * data, mirrored from the reviewed request fixtures, with dates relative to today (relative-dates.ts). Loading
 * resolves the dates for one day and checks what the FHIR server and the CLI rely on: one Patient per file named
 * like the file, every resource about that patient, ids unique across the whole demo.
 */
export interface DemoPatient {
  readonly id: string;
  /** "Given Family", for listings. */
  readonly name: string;
  /** What the chart shows, in a sentence. */
  readonly summary: string;
  readonly patient: Patient;
  /** The chart: Conditions, Observations, MedicationRequests (and the Medications they reference), Procedures... */
  readonly resources: readonly FhirResource[];
}

export type DraftOrder = MedicationRequest | ServiceRequest;

export interface DemoData {
  readonly today: string;
  readonly patients: readonly DemoPatient[];
  /** Draft order templates by id (their file name): no subject, `status: draft`. */
  readonly orders: ReadonlyMap<string, DraftOrder>;
  /** The demo clinicians (`demo/practitioners/*.json`, optional): the users a SMART launch may name. */
  readonly practitioners: readonly Practitioner[];
}

export class DemoDataError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DemoDataError';
  }
}

/** `demo/` at the repository root (next to hooks/, cards/ and mappings/), wherever the code runs from. */
export function defaultDemoDir(): string {
  return join(defaultKnowledgeDir(), 'demo');
}

interface PatientFile {
  readonly $comment?: unknown;
  readonly patient?: unknown;
  readonly resources?: unknown;
}

export function loadDemoData(dir: string, today: string): DemoData {
  const ids = new Set<string>();
  const claim = (file: string, resource: FhirResource): void => {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (resource.id === undefined || resource.id === '') {
      throw new DemoDataError(file, `a ${resource.resourceType} has no id`);
    }
    if (ids.has(key)) {
      throw new DemoDataError(file, `${key} is defined twice in the demo data`);
    }
    ids.add(key);
  };

  const patients = jsonFiles(join(dir, 'patients')).map(({ file, name, json }) => {
    const data = resolveRelativeDates(json as PatientFile, today);
    const patient = data.patient as Patient | undefined;
    if (patient?.resourceType !== 'Patient' || patient.id !== name) {
      throw new DemoDataError(file, `'patient' must be a Patient whose id is the file name (${name})`);
    }
    if (!Array.isArray(data.resources)) {
      throw new DemoDataError(file, "'resources' must be an array of FHIR resources");
    }
    claim(file, patient);
    const resources = data.resources as FhirResource[];
    for (const resource of resources) {
      claim(file, resource);
      const subject = (resource as { subject?: { reference?: string } }).subject?.reference;
      // A Medication is about a product, not a patient: it has no subject (orders reference it).
      if (resource.resourceType === 'Medication' ? subject !== undefined : subject !== `Patient/${name}`) {
        throw new DemoDataError(file, `${resource.resourceType}/${String(resource.id)} is not about Patient/${name}`);
      }
    }
    const human = patient.name?.[0];
    return {
      id: name,
      name: [...(human?.given ?? []), human?.family ?? ''].join(' ').trim(),
      summary: typeof data.$comment === 'string' ? data.$comment : '',
      patient,
      resources,
    };
  });

  const orders = new Map<string, DraftOrder>();
  for (const { file, name, json } of jsonFiles(join(dir, 'orders'))) {
    const order = resolveRelativeDates(json as DraftOrder, today);
    const type = (order as { resourceType?: unknown }).resourceType;
    if ((type !== 'MedicationRequest' && type !== 'ServiceRequest') || order.id !== name) {
      throw new DemoDataError(
        file,
        `must be a MedicationRequest or ServiceRequest whose id is the file name (${name})`
      );
    }
    if (order.status !== 'draft' || 'subject' in order) {
      throw new DemoDataError(file, "a draft order template has status 'draft' and no subject (the patient is added)");
    }
    orders.set(name, order);
  }
  const practitionerDir = join(dir, 'practitioners');
  const practitioners = (existsSync(practitionerDir) ? jsonFiles(practitionerDir) : []).map(({ file, name, json }) => {
    const practitioner = json as Partial<Practitioner>;
    if (practitioner.resourceType !== 'Practitioner' || practitioner.id !== name) {
      throw new DemoDataError(file, `must be a Practitioner whose id is the file name (${name})`);
    }
    claim(file, practitioner);
    return practitioner as Practitioner;
  });
  return { today, patients, orders, practitioners };
}

/** The draft order `orderId` for `patientId`, as a CDS client would send it in `context.draftOrders`. */
export function draftOrderFor(data: DemoData, orderId: string, patientId: string): DraftOrder {
  const template = data.orders.get(orderId);
  if (template === undefined) {
    throw new DemoDataError(orderId, `there is no demo order '${orderId}' (${[...data.orders.keys()].join(', ')})`);
  }
  return { ...structuredClone(template), subject: { reference: `Patient/${patientId}` } };
}

/** A patient's whole chart as a FHIR `collection` Bundle, Patient first (what the CLI reads). */
export function patientBundle(demo: DemoPatient): Bundle<FhirResource> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [demo.patient, ...demo.resources].map((resource) => ({ resource })),
  };
}

function jsonFiles(dir: string): { file: string; name: string; json: unknown }[] {
  if (!existsSync(dir)) {
    // A production image leaves the demo data out unless built with INCLUDE_DEMO=true (docs/deployment.md).
    throw new DemoDataError(dir, 'is missing: the demo data is not installed here (set DEMO_FHIR=false)');
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      try {
        return { file, name: f.slice(0, -'.json'.length), json: JSON.parse(readFileSync(file, 'utf8')) as unknown };
      } catch (error) {
        throw new DemoDataError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      }
    });
}
