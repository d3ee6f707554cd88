import type { Evidence } from '../mapping/decision-model.js';

/**
 * Markdown for card `detail` (spec: GitHub-flavoured Markdown). Patient data is escaped before it enters Markdown:
 * a display string from a chart must never become a link, an HTML tag or formatting in the clinician's UI.
 */
export function escapeMarkdown(text: string): string {
  // Most chart text has nothing to escape: one test then spares both replacements (cards escape dozens of strings).
  if (!NEEDS_ESCAPE.test(text)) {
    return text;
  }
  return text.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

const NEEDS_ESCAPE = /[\\`*_[\]<>|~\n]/;

export type TemplateValue = string | number | readonly (string | number)[];

/** Replaces `{{name}}` with escaped values (lists joined with ", "); unknown names are left visible for review. */
export function fillTemplate(template: string, values: Readonly<Record<string, TemplateValue>>, escape = true): string {
  return template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      return whole;
    }
    const text = Array.isArray(value) ? (value as readonly (string | number)[]).map(String).join(', ') : String(value);
    return escape ? escapeMarkdown(text) : text;
  });
}

const SYSTEM_NAMES: Readonly<Record<string, string>> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://www.ama-assn.org/go/cpt': 'CPT',
};

/**
 * "Systemic lupus erythematosus (SNOMED CT 55464009), 2025-03-02" as a Markdown list item: what a clinician
 * recognises (display, code, date), never the raw FHIR reference (`Condition/abc-123`), which the card carries
 * in its extension for the EHR instead (issue 13).
 */
export function evidenceLine(evidence: Evidence): string {
  const code =
    evidence.code !== undefined && evidence.system !== undefined
      ? ` (${escapeMarkdown(SYSTEM_NAMES[evidence.system] ?? evidence.system)} ${escapeMarkdown(evidence.code)})`
      : ' (recognised from text)';
  const detail = evidence.detail === undefined ? '' : `: ${escapeMarkdown(evidence.detail)}`;
  const date = evidence.date === undefined ? ', date not recorded' : `, ${escapeMarkdown(evidence.date)}`;
  return `- **${escapeMarkdown(evidence.display)}**${detail}${code}${date}`;
}

/** Evidence without duplicates (the same record can support a rule twice). */
export function distinctEvidence(list: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const key = `${e.reference}|${e.code ?? ''}|${e.detail ?? ''}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/** Cuts a summary to the spec's "<140-character" limit at a word boundary. */
export function limitSummary(summary: string, max = 139): string {
  if (summary.length <= max) {
    return summary;
  }
  const cut = summary.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > 80 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
