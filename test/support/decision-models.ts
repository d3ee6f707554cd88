import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FhirResource } from 'fhir/r4';
import { defaultKnowledgeDir } from '../../src/config.js';
import { defaultDemoDir, draftOrderFor, loadDemoData } from '../../src/demo/demo-data.js';
import { dailyDose } from '../../src/mapping/daily-dose.js';
import type { DecisionModel } from '../../src/mapping/decision-model.js';
import { mapDecisionModel, type DecisionModelMapping } from '../../src/mapping/map-decision-model.js';
import { prepareInput } from '../../src/mapping/prepare-input.js';
import { demoExpectations } from './demo.js';
import { prefetchResources } from './nock-fhir.js';
import { fixture, repositoryKnowledge, TODAY } from './service.js';

/** One patient situation, as the rules see it: a name to report and its decision model. */
export interface NamedModel {
  readonly name: string;
  readonly model: DecisionModel;
}

export interface Chart {
  readonly resources: readonly FhirResource[];
  readonly today: string;
  readonly hook: string;
  readonly drafts?: readonly FhirResource[];
  readonly selections?: readonly string[];
}

/** One patient situation as the map stage sees it: a name to report and its chart. */
export interface NamedChart {
  readonly name: string;
  readonly chart: Chart;
}

/** The real map stage (as the service runs it) over a chart; `mapping` replaces the repository's mappings. */
export async function modelOf(
  chart: Chart,
  mapping: DecisionModelMapping = repositoryKnowledge().mapping
): Promise<DecisionModel> {
  const knowledge = repositoryKnowledge();
  const input = prepareInput(chart.resources, knowledge.codeIndex, {
    today: chart.today,
    patientId: 'p1',
    hook: chart.hook,
    ...(chart.drafts === undefined
      ? {}
      : {
          draftOrders: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: chart.drafts.map((resource) => ({ resource })),
          },
        }),
    ...(chart.selections === undefined ? {} : { selections: chart.selections }),
    shapes: knowledge.shapes,
    doseOf: dailyDose,
  });
  return mapDecisionModel(input, mapping, { lookbacks: knowledge.site.lookbacks });
}

async function modelsOf(charts: readonly NamedChart[]): Promise<NamedModel[]> {
  const models: NamedModel[] = [];
  for (const { name, chart } of charts) {
    models.push({ name, model: await modelOf(chart) });
  }
  return models;
}

/** Every request fixture (test/fixtures/requests) with prefetch. */
export async function fixtureModels(): Promise<NamedModel[]> {
  return modelsOf(fixtureCharts());
}

/** The charts of every request fixture with prefetch. */
export function fixtureCharts(): NamedChart[] {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'requests');
  const names = readdirSync(dir).map((f) => f.replace(/\.json$/, ''));
  const models: NamedChart[] = [];
  for (const name of names) {
    const body = fixture(name);
    if (body['prefetch'] === undefined) {
      continue;
    }
    const context = body['context'] as {
      draftOrders?: { entry?: { resource: FhirResource }[] };
      selections?: string[];
    };
    const drafts = context.draftOrders?.entry?.map((e) => e.resource);
    models.push({
      name,
      chart: {
        resources: prefetchResources(body) as unknown as FhirResource[],
        today: TODAY,
        hook: String(body['hook']),
        ...(drafts === undefined ? {} : { drafts }),
        ...(context.selections === undefined ? {} : { selections: context.selections }),
      },
    });
  }
  return models;
}

/** Every mapping case (mappings/cases), whatever hook it names. */
export async function mappingCaseModels(): Promise<NamedModel[]> {
  return modelsOf(mappingCaseCharts());
}

/** The charts of every mapping case. */
export function mappingCaseCharts(): NamedChart[] {
  const dir = join(defaultKnowledgeDir(), 'mappings', 'cases');
  const models: NamedChart[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cases.json'))) {
    const { cases } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      cases: {
        description: string;
        input: {
          resources: FhirResource[];
          today?: string;
          hook?: string;
          draftOrders?: FhirResource[];
          selections?: string[];
        };
      }[];
    };
    for (const { description, input } of cases) {
      models.push({
        name: `${file}: ${description}`,
        chart: {
          resources: input.resources,
          today: input.today ?? TODAY,
          hook: input.hook ?? 'patient-view',
          ...(input.draftOrders === undefined ? {} : { drafts: input.draftOrders }),
          ...(input.selections === undefined ? {} : { selections: input.selections }),
        },
      });
    }
  }
  return models;
}

/** Every demo patient on patient-view, and each of its order scenarios on order-select and order-sign. */
export async function demoModels(today: string): Promise<NamedModel[]> {
  return modelsOf(demoCharts(today));
}

/** The charts of every demo patient and order scenario. */
export function demoCharts(today: string): NamedChart[] {
  const demo = loadDemoData(defaultDemoDir(), today);
  const expectations = demoExpectations();
  const models: NamedChart[] = [];
  for (const patient of demo.patients) {
    const resources = [patient.patient, ...patient.resources];
    models.push({ name: `${patient.id} patient-view`, chart: { resources, today, hook: 'patient-view' } });
    for (const order of expectations[patient.id]?.orders ?? []) {
      const drafts = order.drafts.map((id) => draftOrderFor(demo, id, patient.id));
      for (const hook of ['order-select', 'order-sign']) {
        models.push({
          name: `${patient.id} ${hook} ${order.drafts.join('+')}`,
          chart: { resources, today, hook, drafts },
        });
      }
    }
  }
  return models;
}
