import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cmd, Copy, DockerfileParser, Env, type Instruction } from 'dockerfile-ast';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { defaultKnowledgeDir } from '../../src/config.js';
import { checkServiceEnv, nodeOptionsError } from '../support/deployment-env.js';

/**
 * The container image and the one-host pilot, checked by structure: no container engine runs here, so the image
 * is not built by these tests (docs/deployment.md says so). What they check is what a review would: stages,
 * user, what reaches the final image, the health check, the start command, and the settings it starts with.
 */
const root = defaultKnowledgeDir();
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

interface Stage {
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

/** The Dockerfile's stages, in order, each with its instructions after FROM. */
function stages(): Stage[] {
  const result: { name: string; instructions: Instruction[] }[] = [];
  for (const instruction of DockerfileParser.parse(read('Dockerfile')).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const stage = (instruction as unknown as { getBuildStage(): string | null }).getBuildStage();
      result.push({ name: stage ?? String(result.length), instructions: [] });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

const all = stages();
const runtime = all.at(-1)!;
const of = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.getKeyword() === keyword);
const words = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const instances = <T extends Instruction>(stage: Stage, type: new (...args: never[]) => T): T[] =>
  stage.instructions.filter((i): i is T => i instanceof type);
const copies = (stage: Stage): { from: string | undefined; sources: string[] }[] =>
  instances(stage, Copy).map((i) => ({
    from: i.getFromFlag()?.getValue() ?? undefined,
    sources: words(i)
      .filter((w) => !w.startsWith('--'))
      .slice(0, -1),
  }));

describe('Dockerfile', () => {
  test('multi-stage: a build stage, and a final runtime stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(runtime.name).toBe('runtime');
    expect(all.map((s) => s.name)).toContain('build');
  });

  test('the runtime stage runs as a non-root user, by number', () => {
    const users = of(runtime, 'USER').map((i) => i.getArgumentsContent() ?? '');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
  });

  test('the runtime stage gets no sources, tests or tools from the build context, only what runs', () => {
    const fromContext = copies(runtime)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(fromContext.sort()).toEqual(['LICENSE', 'cards', 'db', 'hooks', 'mappings', 'package.json', 'smart-app']);
    const fromStages = copies(runtime).filter((c) => c.from !== undefined);
    for (const { sources } of fromStages) {
      expect(sources.join(' ')).not.toMatch(/\bsrc\b|\btest\b|tsconfig|\bdemo\b(?!-)/);
    }
  });

  test('node_modules in the runtime stage come from a production-only install', () => {
    const modules = copies(runtime).filter((c) => c.sources.some((s) => s.endsWith('node_modules')));
    expect(modules).toHaveLength(1);
    const stage = all.find((s) => s.name === modules[0]!.from)!;
    const installs = of(stage, 'RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.getArgumentsContent() ?? ''));
    expect(installs).toHaveLength(1);
    expect(words(installs[0]!)).toContain('--omit=dev');
    expect(of(runtime, 'RUN').map((i) => i.getArgumentsContent() ?? '')).not.toContainEqual(
      expect.stringMatching(/\bnpm\b/)
    );
  });

  test('the demo data reaches the image only when the INCLUDE_DEMO build argument asks for it', () => {
    const build = all.find((s) => s.name === 'build')!;
    expect(of(build, 'ARG').map((i) => i.getArgumentsContent())).toContain('INCLUDE_DEMO=false');
    const demoCopy = of(build, 'RUN').find((i) => (i.getArgumentsContent() ?? '').includes('demo'));
    expect(demoCopy?.getArgumentsContent()).toMatch(/if \[ "\$INCLUDE_DEMO" = "true" \]; then cp -r demo /);
  });

  test('a HEALTHCHECK on /readyz, and node itself as the process that gets SIGTERM', () => {
    const [healthcheck] = of(runtime, 'HEALTHCHECK');
    expect(healthcheck?.getArgumentsContent()).toContain('/readyz');
    const [cmd] = instances(runtime, Cmd);
    expect(cmd?.getJSONStrings().map((s) => s.getJSONValue())).toEqual(['node', 'dist/server.js']);
    expect(of(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  test('the environment it sets is production, with a heap limit, and every variable in it is one the service reads', () => {
    const env = Object.fromEntries(
      instances(runtime, Env).flatMap((i) => i.getProperties().map((p) => [p.getName(), p.getValue() ?? '']))
    );
    expect(env['NODE_ENV']).toBe('production');
    expect(env['NODE_OPTIONS']).toMatch(/--max-old-space-size=\d+/);
    expect(nodeOptionsError(env['NODE_OPTIONS']!)).toBeUndefined();
    // Production also needs what only the site knows: its URL and trusted clients.
    const site = { PUBLIC_BASE_URL: 'https://cds.example.org', TRUSTED_CLIENTS: '/etc/cds/trusted-clients.json' };
    const { config, unread } = checkServiceEnv({ ...env, ...site });
    expect(unread).toEqual([]);
    expect(config.mode).toBe('production');
  });

  test('.dockerignore lets in only what the Dockerfile copies from the build context', () => {
    const lines = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.slice(1).map((l) => l.replace(/^!/, ''));
    const fromContext = all.flatMap((s) => copies(s).filter((c) => c.from === undefined)).flatMap((c) => c.sources);
    expect(allowed.sort()).toEqual([...new Set(fromContext)].sort());
    for (const never of ['node_modules', 'dist', 'data', '.git', 'test', 'secrets']) {
      expect(allowed).not.toContain(never);
    }
  });
});

describe('compose.yaml (a pilot on one host)', () => {
  type Service = {
    environment?: Record<string, string>;
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
    ports?: string[];
    read_only?: boolean;
    build?: string;
  };
  const compose = parse(read('compose.yaml')) as { services: Record<string, Service> };
  const { cds, postgres, redis } = compose.services;

  test('the service, PostgreSQL and Redis; the service starts once both are healthy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['cds', 'postgres', 'redis']);
    expect(cds?.build).toBe('.');
    expect(cds?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(postgres?.healthcheck?.test).toContain('pg_isready');
    expect(redis?.healthcheck?.test).toContain('redis-cli');
    // Only the service is reachable from outside the compose network, and only from this host.
    expect(postgres?.ports).toBeUndefined();
    expect(redis?.ports).toBeUndefined();
    expect(cds?.ports?.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
    expect(cds?.read_only).toBe(true);
  });

  test('production mode with PostgreSQL and Redis, and every variable set is one the service reads', () => {
    // Compose interpolation: `${NAME:?message}` must be given (a pilot's values here), `${NAME:-default}` may be.
    const given: Record<string, string> = {
      PUBLIC_BASE_URL: 'https://cds.example.org',
      POSTGRES_PASSWORD: 'pilot-password',
    };
    const env = Object.fromEntries(
      Object.entries(cds?.environment ?? {}).map(([name, value]) => [
        name,
        value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, variable: string, kind?: string, rest?: string) =>
          kind === '-' ? (given[variable] ?? rest ?? '') : given[variable]!
        ),
      ])
    );
    const { config, unread } = checkServiceEnv(env);
    expect(unread).toEqual([]);
    expect(config.mode).toBe('production');
    expect(config.databaseUrl).toBe('postgres://cds:pilot-password@postgres:5432/cds');
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.auth.trustedClientsFile).toBe('/run/secrets/trusted-clients.json');
  });
});
