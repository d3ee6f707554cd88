import type { FhirResource } from 'fhir/r4';
import type { CodeIndex, CodeMatch } from '../terminology/code-index.js';
import { field, isObject } from './fhir-fields.js';
import type { ItemMatch, MatchPath } from './mapping-item.js';
import { referenceDisplay, referencedMedication, type MedicationIndex } from './medication-reference.js';

/** The coded elements that carry meaning, per resource type: [element, path, free-text fallback]. */
const ELEMENTS: Readonly<Record<string, readonly (readonly [string, MatchPath, boolean])[]>> = {
  // Body sites fall back to their text and coding displays: lateral structures ("Structure of right hand") are
  // matched by the words of their body-* value set (hand, foot, finger, toe) when their code is not listed.
  Condition: [
    ['code', 'code', false],
    ['bodySite', 'bodySite', true],
    ['severity', 'severity', false],
  ],
  Observation: [
    ['code', 'code', false],
    ['valueCodeableConcept', 'value', false],
    ['bodySite', 'bodySite', true],
  ],
  // Free text is the last resort, for medications and orders only, when no code of the element is recognised.
  MedicationRequest: [['reasonCode', 'reason', true]],
  MedicationStatement: [['reasonCode', 'reason', true]],
  ServiceRequest: [
    ['code', 'code', true],
    ['reasonCode', 'reason', true],
    ['bodySite', 'bodySite', true],
  ],
  Procedure: [
    ['code', 'code', false],
    ['reasonCode', 'reason', false],
  ],
  DiagnosticReport: [
    ['code', 'code', false],
    ['conclusionCode', 'conclusion', false],
  ],
};

const NO_MATCHES: readonly ItemMatch[] = [];

/** Every value set a record's meaningful codes belong to, with where on the record each matched. */
export function matchesOf(
  resource: FhirResource,
  index: CodeIndex,
  medications: MedicationIndex
): readonly ItemMatch[] {
  const elements = ELEMENTS[resource.resourceType];
  if (elements === undefined) {
    return NO_MATCHES;
  }
  const out: ItemMatch[] = [];
  if (resource.resourceType === 'MedicationRequest' || resource.resourceType === 'MedicationStatement') {
    collectMedication(resource, index, medications, out);
  }
  for (const [name, path, textFallback] of elements) {
    const value = field(resource, name);
    if (value === undefined) {
      continue;
    }
    const start = out.length;
    collectCodings(value, path, index, out);
    if (textFallback && out.length === start) {
      collectTexts(textsOf(value), path, index, out, path === 'bodySite' ? 'body-' : undefined);
    }
  }
  return out.length === 0 ? NO_MATCHES : out;
}

/** The product: medicationCodeableConcept, else the referenced Medication's code, else their texts and display. */
function collectMedication(
  resource: FhirResource,
  index: CodeIndex,
  medications: MedicationIndex,
  out: ItemMatch[]
): void {
  const referenced = referencedMedication(resource, medications);
  const start = out.length;
  collectCodings(field(resource, 'medicationCodeableConcept'), 'medication', index, out);
  if (referenced !== undefined) {
    collectCodings(field(referenced, 'code'), 'medication', index, out);
  }
  if (out.length === start) {
    collectTexts(medicationTexts(resource, medications), 'medication', index, out);
  }
}

/** Names of the product as prescribed, best first: code texts and displays, then the reference's display. */
export function medicationTexts(resource: FhirResource, medications: MedicationIndex): string[] {
  const referenced = referencedMedication(resource, medications);
  const texts = [
    ...textsOf(field(resource, 'medicationCodeableConcept')),
    ...(referenced === undefined ? [] : textsOf(field(referenced, 'code'))),
  ];
  const display = referenceDisplay(resource);
  return display === undefined ? texts : [...texts, display];
}

/** Matches of one CodeableConcept, or of an array of them (R4 arrays; some clients send a single object). */
export function collectCodings(value: unknown, path: MatchPath, index: CodeIndex, out: ItemMatch[]): void {
  if (Array.isArray(value)) {
    for (const concept of value) {
      collectCodings(concept, path, index, out);
    }
    return;
  }
  if (!isObject(value) || !Array.isArray(value['coding'])) {
    return;
  }
  for (const coding of value['coding'] as unknown[]) {
    if (!isObject(coding) || typeof coding['system'] !== 'string' || typeof coding['code'] !== 'string') {
      continue;
    }
    const display = typeof coding['display'] === 'string' ? coding['display'] : undefined;
    const found = index.matchCoding(coding['system'], coding['code'], display);
    for (let i = 0; i < found.length; i += 1) {
      out.push({ ...(found[i] as CodeMatch), path });
    }
  }
}

function collectTexts(
  texts: readonly string[],
  path: MatchPath,
  index: CodeIndex,
  out: ItemMatch[],
  setPrefix?: string
): void {
  for (const value of texts) {
    for (const match of index.matchText(value)) {
      if (setPrefix !== undefined && !match.set.startsWith(setPrefix)) {
        continue;
      }
      if (!out.some((m) => m.set === match.set && m.path === path)) {
        out.push({ ...match, path });
      }
    }
  }
}

/** CodeableConcept.text and coding displays, of one concept or an array of them. */
export function textsOf(value: unknown): string[] {
  const texts: string[] = [];
  for (const concept of Array.isArray(value) ? value : [value]) {
    if (!isObject(concept)) {
      continue;
    }
    if (typeof concept['text'] === 'string') {
      texts.push(concept['text']);
    }
    for (const coding of Array.isArray(concept['coding']) ? (concept['coding'] as unknown[]) : []) {
      if (isObject(coding) && typeof coding['display'] === 'string') {
        texts.push(coding['display']);
      }
    }
  }
  return texts;
}
