import { randomUUID } from 'node:crypto';
import type { Bundle, FhirResource } from 'fhir/r4';
import { callService, type PipelineDeps } from '../call-service.js';
import type { Card, HookName } from '../cds-hooks/types.js';
import type { RequestValidators } from '../cds-hooks/validate.js';
import type { Knowledge, LoadedService } from '../knowledge/load-knowledge.js';
import type { DailyDose, DecisionModel, Evidence } from '../mapping/decision-model.js';
import { ruleBindings } from '../rules/decide.js';
import type { AppViews, Checklist, TimelineEntry } from './app-views.js';
import { cardView, type CardView } from './card-view.js';

/**
 * What the SMART app posts: the launched patient's data as the app read it from the EHR's FHIR server with its own
 * token, keyed like the services' prefetch (GET /smart/api/queries gives the queries). Each value is a Bundle, or
 * an OperationOutcome when the read failed: the hooks' own rules for data not supplied then apply (spec "Prefetch
 * Template"; src/gather/prefetch-state.ts): a required key gives 412, an optional one is reported unavailable.
 */
export interface ChartInput {
  readonly patientId: string;
  /** The user's FHIR reference (the id_token's fhirUser), when the EHR granted it. */
  readonly userId?: string;
  readonly prefetch: Readonly<Record<string, unknown>>;
}

export interface ChartDeps {
  readonly knowledge: Knowledge;
  readonly validators: RequestValidators;
  readonly pipeline: PipelineDeps;
  readonly views: AppViews;
  readonly publicBaseUrl: string;
}

/** An active glucocorticoid, checked as the order-sign service would check it if it were signed today. */
export interface DoseCheck {
  readonly medication: Evidence;
  /** The daily dose the mapping computed (or why it could not), absent for a medication statement. */
  readonly dose?: DailyDose;
  /** Why it was not checked (a reported medication, not an order). */
  readonly notChecked?: string;
  readonly cards: readonly CardView[];
}

export interface ChartAnswer {
  readonly patientId: string;
  readonly today: string;
  /** The decision model of the patient-view service: what every card and view here is computed from. */
  readonly model: DecisionModel;
  /** The patient-view service's CDS Hooks cards, as an EHR would receive them now. */
  readonly cards: readonly Card[];
  readonly view: {
    readonly cards: readonly CardView[];
    readonly checklist: Checklist;
    readonly timeline: readonly TimelineEntry[];
    readonly doseChecks: readonly DoseCheck[];
    readonly patternLabels: Readonly<Record<string, string>>;
  };
}

/**
 * The SMART app's picture of a patient, from the same pipeline as the hooks (src/call-service.ts: gather, map,
 * decide, render): the patient-view service on the posted data, then the order-sign service once per active
 * glucocorticoid order (as its draft), and the app's views of the model (cards/app/). Nothing is stored or logged.
 */
export async function evaluateChart(input: ChartInput, deps: ChartDeps): Promise<ChartAnswer> {
  const run = async (hook: HookName, extra: Record<string, unknown> = {}) => {
    const service = serviceFor(deps.knowledge, hook);
    const body = {
      hook,
      hookInstance: randomUUID(),
      context: { userId: userFor(hook, input.userId), patientId: input.patientId, ...extra },
      // A key the app did not post stays absent: "not supplied", never null, which would mean "no data".
      prefetch: Object.fromEntries(
        service.prefetch.filter((p) => p.key in input.prefetch).map((p) => [p.key, input.prefetch[p.key]])
      ),
    };
    // The same validation as a CDS client's request (schemas, bundle limits, patient consistency).
    const request = deps.validators.request(body, hook);
    return callService(service, request, deps.pipeline, deps.publicBaseUrl);
  };

  const { response, model } = await run('patient-view');
  const rules = deps.knowledge.rules;
  const bindings = await ruleBindings(
    model,
    { values: deps.knowledge.site.ruleValues, lookbacks: deps.knowledge.site.lookbacks },
    deps.knowledge.ruleCommon
  );
  const [checklist, timeline] = await Promise.all([
    deps.views.checklist(model, bindings),
    deps.views.timeline(model, bindings),
  ]);

  const ordered = orderResources(input.prefetch['medications']);
  const doseChecks: DoseCheck[] = [];
  // One check per order, however many glucocorticoid concepts its medication matched.
  const glucocorticoids = new Map(model.meds.filter((m) => m.glucocorticoid).map((m) => [m.evidence.reference, m]));
  for (const med of glucocorticoids.values()) {
    const order = ordered.get(med.evidence.reference);
    if (order === undefined) {
      doseChecks.push({ medication: med.evidence, notChecked: 'a reported medication, not an order', cards: [] });
      continue;
    }
    // The active order as the draft of an order-sign call: the checks the EHR would show if it were signed today.
    const draft = { ...order, status: 'draft' };
    const entry = [draft, ...ordered.values()].filter((r, i) => i === 0 || r.resourceType === 'Medication');
    const checked = await run('order-sign', {
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: entry.map((resource) => ({ resource })) },
    });
    const dose = checked.model.draftOrders[0]?.dose;
    doseChecks.push({
      medication: med.evidence,
      ...(dose === undefined ? {} : { dose }),
      cards: checked.response.cards.map((card) => cardView(card, rules)),
    });
  }

  return {
    patientId: input.patientId,
    today: model.today,
    model,
    cards: response.cards,
    view: {
      cards: response.cards.map((card) => cardView(card, rules)),
      checklist,
      timeline,
      doseChecks,
      patternLabels: deps.views.patternLabels,
    },
  };
}

function serviceFor(knowledge: Knowledge, hook: HookName): LoadedService {
  const service = [...knowledge.services.values()].find((s) => s.definition.hook === hook);
  if (service === undefined) {
    throw new Error(`no ${hook} service is configured`);
  }
  return service;
}

/**
 * The hooks require a userId (a Practitioner or PractitionerRole on order-sign). Without a usable fhirUser the
 * app names none in particular: the id only becomes the requester of suggested orders, which the app never places.
 */
function userFor(hook: HookName, userId: string | undefined): string {
  const allowed =
    hook === 'patient-view' ? /^(Practitioner|PractitionerRole|Patient|RelatedPerson)\// : /^Practitioner(Role)?\//;
  return userId !== undefined && allowed.test(userId) ? userId : 'Practitioner/smart-app-user';
}

/** MedicationRequests (and the Medications they reference) of the posted `medications` Bundle, by reference. */
function orderResources(bundle: unknown): Map<string, FhirResource> {
  const entries = (bundle as Bundle<FhirResource> | null | undefined)?.entry ?? [];
  const found = new Map<string, FhirResource>();
  for (const { resource } of entries) {
    if (resource?.resourceType === 'MedicationRequest' || resource?.resourceType === 'Medication') {
      found.set(`${resource.resourceType}/${resource.id ?? ''}`, resource);
    }
  }
  return found;
}
