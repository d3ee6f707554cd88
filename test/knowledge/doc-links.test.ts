import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';

/**
 * The documentation a clone has must hold together: every relative link and #anchor in README.md, CONTRIBUTING.md,
 * CHANGELOG.md, docs/ and demo/ resolves (anchors as GitHub makes them from headings), nothing points at material
 * outside the repository or at issue numbers, and prose wraps at a readable width.
 */
const root = defaultKnowledgeDir();
const MAX_PROSE_WIDTH = 120;
/** Characters as a reader counts them (code points: `é` and `→` are one each). */
const width = (line: string): number => line.match(/./gsu)?.length ?? 0;

function markdownFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return markdownFiles(path);
    }
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const files = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...markdownFiles('docs'),
  ...markdownFiles('demo'),
].sort();

/** The lines outside fenced code blocks, with their numbers. */
function proseLines(text: string): { line: string; number: number }[] {
  let fenced = false;
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [{ line, number: index + 1 }];
  });
}

/** GitHub's heading anchor: rendered text, lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  const rendered = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim();
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { line } of proseLines(readFileSync(join(root, file), 'utf8'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) {
      continue;
    }
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${String(count)}`);
  }
  return result;
}

/** Relative link targets: inline links and reference definitions, outside code blocks and code spans. */
function relativeLinks(file: string): { target: string; number: number }[] {
  const links: { target: string; number: number }[] = [];
  for (const { line, number } of proseLines(readFileSync(join(root, file), 'utf8'))) {
    const text = line.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? ''),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s+(\S+)/g)].map((m) => m[1] ?? ''),
    ];
    for (const target of targets) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        links.push({ target, number });
      }
    }
  }
  return links;
}

function brokenLink(file: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#');
  const resolved = path === '' ? join(root, file) : resolve(root, dirname(file), decodeURIComponent(path));
  if (relative(root, resolved).startsWith('..')) {
    return 'points outside the repository';
  }
  if (!existsSync(resolved)) {
    return 'no such file';
  }
  if (anchor === undefined || anchor === '') {
    return undefined;
  }
  if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
    return 'an anchor into a file that is not Markdown';
  }
  return anchors(relative(root, resolved)).has(anchor) ? undefined : `no heading makes #${anchor}`;
}

describe('documentation links', () => {
  test('the anchor rule matches GitHub on the headings the docs link to', () => {
    expect(slug('Site configuration (`SITE_CONFIG`)')).toBe('site-configuration-site_config');
    expect(slug('Readings of rules.md')).toBe('readings-of-rulesmd');
    expect(slug("CORS and the browser's local-network prompt")).toBe('cors-and-the-browsers-local-network-prompt');
    expect(slug('Knowledge folders: hooks/, mappings/, cards/')).toBe('knowledge-folders-hooks-mappings-cards');
  });

  test('the documentation is found', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', join('docs', 'ehr-registration.md'), 'demo/README.md']));
  });

  test.each(files)('%s: every relative link resolves', (file) => {
    const broken = relativeLinks(file).flatMap(({ target, number }) => {
      const problem = brokenLink(file, target);
      return problem === undefined ? [] : [`${file}:${String(number)} ${target}: ${problem}`];
    });
    expect(broken).toEqual([]);
  });

  test.each(files)('%s: nothing points at material a clone does not have, nor at issue numbers', (file) => {
    const found = readFileSync(join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        [/\.\.\/shared\b/, /\/work\/shared\b/, /(?<![\w/.-])research\//, /\bissues? #?\d+\b/i]
          .filter((pattern) => pattern.test(line))
          .map((pattern) => `${file}:${String(index + 1)} matches ${String(pattern)}`)
      );
    expect(found).toEqual([]);
  });

  test.each(files)(`%s: prose lines are at most ${String(MAX_PROSE_WIDTH)} characters`, (file) => {
    const long = proseLines(readFileSync(join(root, file), 'utf8'))
      // Table rows cannot wrap, nor can a line that is one word (a long URL).
      .filter(({ line }) => !/^\s*\|/.test(line) && /\S\s+\S/.test(line) && width(line) > MAX_PROSE_WIDTH)
      .map(({ number, line }) => `${file}:${String(number)} (${String(width(line))})`);
    expect(long).toEqual([]);
  });
});
