import type { LocalCodeMap } from './concept-map.js';
import { canonicalIcd, ICD10CM, normaliseIcd, type ConceptSet } from './value-set.js';

export interface CodeMatch {
  /** Value set (concept) id, e.g. `ctd-sle`. */
  readonly set: string;
  /** The standard system and code that matched (ICD-10-CM codes in their dotted form). */
  readonly system: string;
  readonly code: string;
  readonly display: string;
  /** How it matched: an exact code, an ICD-10-CM family, or free text (last resort). */
  readonly by: 'code' | 'prefix' | 'text';
  /** The site's local code it was mapped from (site ConceptMap), when it was one. */
  readonly mappedFrom?: { readonly system: string; readonly code: string };
}

export interface CodeIndexOptions {
  /** Other names of code systems (OID URIs) -> their FHIR URI (mappings/code-systems.json). */
  readonly aliases?: ReadonlyMap<string, string>;
  /** Site ConceptMaps: local code -> standard codes. */
  readonly localCodes?: LocalCodeMap;
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
  /** ICD-10-CM families each set leaves out (compose.exclude), e.g. carpal tunnel G56.0 from mononeuropathies. */
  private readonly icdExcludes = new Map<string, readonly string[]>();
  private readonly aliases: ReadonlyMap<string, string>;
  private readonly localCodes: LocalCodeMap;
  private readonly longestPrefix: number;
  /** All text phrases in one regular expression (one scan per text), and which sets each phrase means. */
  private readonly phrasePattern: RegExp | undefined;
  private readonly phraseSets = new Map<string, string[]>();
  /** First words of the phrases: most texts contain none, and then the phrase expression need not run. */
  private readonly firstWords = new Set<string>();
  /** Those first words in one case-insensitive expression (a quick test; splitting the text was 4x slower). */
  private readonly firstWordPattern: RegExp | undefined;
  readonly sets: ReadonlyMap<string, ConceptSet>;

  constructor(conceptSets: readonly ConceptSet[], options: CodeIndexOptions = {}) {
    this.aliases = options.aliases ?? new Map();
    this.localCodes = options.localCodes ?? new Map();
    const sets = new Map<string, ConceptSet>();
    let longest = 0;
    for (const set of conceptSets) {
      sets.set(set.id, set);
      for (const [key, display] of set.codes) {
        const bar = key.lastIndexOf('|');
        const system = key.slice(0, bar);
        // ICD-10-CM is keyed without its dot: EHRs send G56.22 and G5622 alike.
        const code = system === ICD10CM ? normaliseIcd(key.slice(bar + 1)) : key.slice(bar + 1);
        const codes = this.exact.get(system) ?? new Map<string, { set: string; display: string }[]>();
        this.exact.set(system, codes);
        const list = codes.get(code) ?? [];
        list.push({ set: set.id, display });
        codes.set(code, list);
      }
      if (set.icdExcludes.length > 0) {
        this.icdExcludes.set(set.id, set.icdExcludes);
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

  /**
   * Value sets a coding belongs to; unknown codes give an empty list (never an error). The system may be given by
   * an alias (`urn:oid:2.16.840.1.113883.6.90` for ICD-10-CM); ICD-10-CM codes match with or without their dot and
   * by family; a site's local code matches through its ConceptMap.
   */
  matchCoding(sent: string | undefined, code: string | undefined, display?: string): readonly CodeMatch[] {
    if (sent === undefined || code === undefined || code === '') {
      return NONE;
    }
    const system = this.aliases.get(sent) ?? sent;
    const matches = this.matchStandard(system, code, display);
    if (matches !== NONE || this.localCodes.size === 0) {
      return matches;
    }
    const targets = this.localCodes.get(`${sent}|${code}`);
    if (targets === undefined) {
      return NONE;
    }
    const mapped: CodeMatch[] = [];
    for (const target of targets) {
      for (const match of this.matchStandard(target.system, target.code, undefined)) {
        if (!mapped.some((m) => m.set === match.set)) {
          mapped.push({ ...match, ...(display === undefined ? {} : { display }), mappedFrom: { system: sent, code } });
        }
      }
    }
    return mapped.length === 0 ? NONE : mapped;
  }

  private matchStandard(system: string, sentCode: string, display: string | undefined): readonly CodeMatch[] {
    const icd = system === ICD10CM;
    const key = icd ? normaliseIcd(sentCode) : sentCode;
    const hits = this.exact.get(system)?.get(key);
    let matches: CodeMatch[] | undefined;
    if (hits !== undefined) {
      const code = icd ? canonicalIcd(key) : sentCode;
      matches = hits.map((hit) => ({
        set: hit.set,
        system,
        code,
        display: display ?? hit.display,
        by: 'code' as const,
      }));
    }
    if (icd && this.icd.size > 0) {
      for (let length = Math.min(key.length, this.longestPrefix); length >= 3; length -= 1) {
        for (const set of this.icd.get(key.slice(0, length)) ?? []) {
          matches ??= [];
          const excluded = this.icdExcludes.get(set)?.some((prefix) => key.startsWith(prefix)) === true;
          if (!excluded && !matches.some((m) => m.set === set)) {
            const code = canonicalIcd(key);
            matches.push({ set, system, code, display: display ?? code, by: 'prefix' });
          }
        }
      }
    }
    return matches ?? NONE;
  }

  /** Local codes (`system|code`) the site's ConceptMaps map into value set `setId`: prefetch code filters add them. */
  localCodesOf(setId: string): string[] {
    const set = this.sets.get(setId);
    if (set === undefined) {
      return [];
    }
    const local: string[] = [];
    for (const [key, targets] of this.localCodes) {
      if (targets.some((t) => set.codes.has(`${t.system}|${t.code}`))) {
        local.push(key);
      }
    }
    return local;
  }

  /** The code systems of the value sets (what a ConceptMap may map to). */
  systems(): Set<string> {
    return new Set(this.exact.keys());
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
