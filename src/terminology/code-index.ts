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

/** The shared answer for "no match": the common case on the hot path allocates nothing. */
const NONE: readonly CodeMatch[] = Object.freeze([]);

/**
 * All value sets indexed for the hot path: a Map keyed `system|code`, ICD-10-CM families by normalised prefix,
 * and whole-word phrases for free text. Lookups cost a few Map probes per coding, whatever the number of sets
 * (measured when JSONata was chosen: a JS Map lookup is ~150x cheaper than the same join in JSONata).
 */
export class CodeIndex {
  /** system -> code -> hits: two Map probes per coding, no string building on the hot path. */
  private readonly exact = new Map<string, Map<string, { set: string; display: string }[]>>();
  private readonly icd = new Map<string, string[]>();
  private readonly longestPrefix: number;
  /** All text phrases in one regular expression (one scan per text), and which sets each phrase means. */
  private readonly phrasePattern: RegExp | undefined;
  private readonly phraseSets = new Map<string, string[]>();
  /** First words of the phrases: most texts contain none, and then the phrase expression need not run. */
  private readonly firstWords = new Set<string>();
  /** Those first words in one case-insensitive expression (a quick test; splitting the text was 4x slower). */
  private readonly firstWordPattern: RegExp | undefined;
  readonly sets: ReadonlyMap<string, ConceptSet>;

  constructor(conceptSets: readonly ConceptSet[]) {
    const sets = new Map<string, ConceptSet>();
    let longest = 0;
    for (const set of conceptSets) {
      sets.set(set.id, set);
      for (const [key, display] of set.codes) {
        const bar = key.lastIndexOf('|');
        const system = key.slice(0, bar);
        const codes = this.exact.get(system) ?? new Map<string, { set: string; display: string }[]>();
        this.exact.set(system, codes);
        const list = codes.get(key.slice(bar + 1)) ?? [];
        list.push({ set: set.id, display });
        codes.set(key.slice(bar + 1), list);
      }
      for (const prefix of set.icdPrefixes) {
        const list = this.icd.get(prefix) ?? [];
        list.push(set.id);
        this.icd.set(prefix, list);
        longest = Math.max(longest, prefix.length);
      }
      for (const phrase of set.textPhrases) {
        const normalised = phrase.toLowerCase().replace(/\s+/g, ' ');
        const list = this.phraseSets.get(normalised) ?? [];
        list.push(set.id);
        this.phraseSets.set(normalised, list);
        this.firstWords.add(normalised.split(/[^a-z0-9]+/)[0] ?? '');
      }
    }
    this.sets = sets;
    this.longestPrefix = longest;
    const alternatives = [...this.phraseSets.keys()]
      .sort((a, b) => b.length - a.length)
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
    this.phrasePattern =
      alternatives.length === 0
        ? undefined
        : new RegExp(`(?<![a-z0-9])(?:${alternatives.join('|')})(?![a-z0-9])`, 'gi');
    const words = [...this.firstWords]
      .filter((w) => w !== '')
      .sort((a, b) => b.length - a.length)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.firstWordPattern = words.length === 0 ? undefined : new RegExp(`(?<![a-z0-9])(?:${words.join('|')})`, 'i');
  }

  /** Value sets a coding belongs to; unknown codes give an empty list (never an error). */
  matchCoding(system: string | undefined, code: string | undefined, display?: string): readonly CodeMatch[] {
    if (system === undefined || code === undefined || code === '') {
      return NONE;
    }
    const hits = this.exact.get(system)?.get(code);
    let matches: CodeMatch[] | undefined;
    if (hits !== undefined) {
      matches = hits.map((hit) => ({
        set: hit.set,
        system,
        code,
        display: display ?? hit.display,
        by: 'code' as const,
      }));
    }
    if (system === ICD10CM && this.icd.size > 0) {
      const normalised = normaliseIcd(code);
      for (let length = Math.min(normalised.length, this.longestPrefix); length >= 3; length -= 1) {
        for (const set of this.icd.get(normalised.slice(0, length)) ?? []) {
          matches ??= [];
          if (!matches.some((m) => m.set === set)) {
            matches.push({ set, system, code, display: display ?? code, by: 'prefix' });
          }
        }
      }
    }
    return matches ?? NONE;
  }

  /** Whole-word phrase matches in free text, e.g. "Nitrofurantoin 100 mg caps" -> med-nitrofurantoin. */
  matchText(text: string | undefined): readonly CodeMatch[] {
    if (text === undefined || this.phrasePattern === undefined || this.firstWordPattern?.test(text) !== true) {
      return NONE;
    }
    let matches: CodeMatch[] | undefined;
    for (const found of text.matchAll(this.phrasePattern)) {
      for (const set of this.phraseSets.get(found[0].toLowerCase().replace(/\s+/g, ' ')) ?? []) {
        matches ??= [];
        if (!matches.some((m) => m.set === set)) {
          matches.push({ set, system: 'text', code: '', display: text, by: 'text' });
        }
      }
    }
    return matches ?? NONE;
  }
}
