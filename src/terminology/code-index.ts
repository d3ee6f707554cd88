import { ICD10CM, normaliseIcd, type ConceptSet } from './value-set.js';

export interface CodeMatch {
  /** Value set (concept) id, e.g. `ctd-sle`. */
  readonly set: string;
  readonly system: string;
  readonly code: string;
  readonly display: string;
  /** How it matched: an exact code, an ICD-10-CM family, or free text (last resort). */
  readonly by: 'code' | 'prefix' | 'text';
}

/**
 * All value sets indexed for the hot path: a Map keyed `system|code`, ICD-10-CM families by normalised prefix,
 * and whole-word phrases for free text. Lookups cost a few Map probes per coding, whatever the number of sets
 * (research/performance.md: a JS Map lookup is ~150x cheaper than the same join in JSONata).
 */
export class CodeIndex {
  private readonly exact = new Map<string, { set: string; display: string }[]>();
  private readonly icd = new Map<string, string[]>();
  private readonly longestPrefix: number;
  private readonly phrases: { set: string; pattern: RegExp }[] = [];
  readonly sets: ReadonlyMap<string, ConceptSet>;

  constructor(conceptSets: readonly ConceptSet[]) {
    const sets = new Map<string, ConceptSet>();
    let longest = 0;
    for (const set of conceptSets) {
      sets.set(set.id, set);
      for (const [key, display] of set.codes) {
        const list = this.exact.get(key) ?? [];
        list.push({ set: set.id, display });
        this.exact.set(key, list);
      }
      for (const prefix of set.icdPrefixes) {
        const list = this.icd.get(prefix) ?? [];
        list.push(set.id);
        this.icd.set(prefix, list);
        longest = Math.max(longest, prefix.length);
      }
      for (const phrase of set.textPhrases) {
        const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
        this.phrases.push({ set: set.id, pattern: new RegExp(`(?:^|[^a-z0-9])${escaped}(?:$|[^a-z0-9])`, 'i') });
      }
    }
    this.sets = sets;
    this.longestPrefix = longest;
  }

  /** Value sets a coding belongs to; unknown codes give an empty list (never an error). */
  matchCoding(system: string | undefined, code: string | undefined, display?: string): CodeMatch[] {
    if (system === undefined || code === undefined || code === '') {
      return [];
    }
    const matches: CodeMatch[] = [];
    for (const hit of this.exact.get(`${system}|${code}`) ?? []) {
      matches.push({ set: hit.set, system, code, display: display ?? hit.display, by: 'code' });
    }
    if (system === ICD10CM && this.icd.size > 0) {
      const normalised = normaliseIcd(code);
      for (let length = Math.min(normalised.length, this.longestPrefix); length >= 3; length -= 1) {
        for (const set of this.icd.get(normalised.slice(0, length)) ?? []) {
          if (!matches.some((m) => m.set === set)) {
            matches.push({ set, system, code, display: display ?? code, by: 'prefix' });
          }
        }
      }
    }
    return matches;
  }

  /** Whole-word phrase matches in free text, e.g. "Nitrofurantoin 100 mg caps" -> med-nitrofurantoin. */
  matchText(text: string | undefined): CodeMatch[] {
    if (text === undefined || text.trim() === '') {
      return [];
    }
    const matches: CodeMatch[] = [];
    for (const { set, pattern } of this.phrases) {
      if (pattern.test(text) && !matches.some((m) => m.set === set)) {
        matches.push({ set, system: 'text', code: '', display: text, by: 'text' });
      }
    }
    return matches;
  }
}
