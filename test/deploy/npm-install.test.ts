import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { clientKey, EHR_ISS, jwks, trustedClientsFile } from '../support/client-jwt.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

/**
 * A production-only install, and SIGTERM to `npm start`: the README's and the image's install paths, run as an
 * operator runs them, on a copy of this checkout without node_modules/ or dist/:
 *
 * 1. `npm ci && npm start` (a fresh clone): `prepare` builds dist/, `npm start` runs it without building again.
 * 2. then `npm ci --omit=dev` (what the image's runtime stage does): no compiler, nothing built, and the service runs
 *    in production mode with runtime dependencies only.
 *
 * Each time SIGTERM goes to the `npm start` process, as a supervisor sends it, and must stop the server: npm and
 * node both end (their shared output pipe closes) and nothing listens on the port any more.
 *
 * npm runs with --offline: packages come from npm's cache, filled by the `npm ci` that installed this checkout
 * (`.ci/run` does that first), so the test talks to nothing but 127.0.0.1.
 */
const root = defaultKnowledgeDir();
/** What a clone does not have (.gitignore) and what the install makes. */
const NOT_IN_A_CLONE = ['node_modules', 'dist', '.git', 'data', 'coverage', '.bench-build', 'scratch', 'bench/results'];
const INSTALL_MS = 600_000;

let app: string;
let trustedClients: string;
beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'fresh-clone-'));
  cpSync(root, app, {
    recursive: true,
    filter: (source) => {
      const path = relative(root, source).split(sep).join('/');
      return !NOT_IN_A_CLONE.some((ignored) => path === ignored || path.startsWith(`${ignored}/`));
    },
  });
  trustedClients = trustedClientsFile({
    clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(await clientKey('ES384', 'ehr')) }],
  });
});
afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

/** PATH and HOME only: npm settings of the test run (npm_config_*) must not reach the npm under test. */
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'] };
}

async function npm(args: readonly string[]): Promise<{ status: number | null; output: string }> {
  const child = spawn('npm', [...args, '--offline', '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv() });
  // Installing and compiling is heavy: at a lower priority (inherited by npm's children), so that the test files
  // running beside this one keep their pace.
  if (child.pid !== undefined) {
    setPriority(child.pid, 10);
  }
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, output };
}

const npmStart = (env: Record<string, string>): Promise<ServerProcess> =>
  startServer({ WORKERS: '1', FEEDBACK_DIR: join(app, 'data', 'feedback'), ...env }, 120_000, {
    command: 'npm',
    args: ['start'],
    cwd: app,
    baseEnv: cleanEnv(),
  });

/** SIGTERM to the process that ran `npm start`: npm, node and the listening socket are all gone. */
async function expectSigtermStops(server: ServerProcess): Promise<void> {
  const port = new URL(server.baseUrl).port;
  server.child.kill('SIGTERM');
  let deadline: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    server.closed.then(() => true),
    new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => {
        resolve(false);
      }, 30_000);
    }),
  ]);
  clearTimeout(deadline);
  expect(stopped, 'npm exited, but the node process it started still holds the output (an orphan)').toBe(true);
  expect((await server.exited).code).toBe(0);
  const probe = connect(Number(port), '127.0.0.1');
  const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
  expect(error.code).toBe('ECONNREFUSED');
}

describe('installing and starting as the README and the image do', () => {
  test(
    'a fresh clone: npm ci builds dist/, npm start runs it as it is, SIGTERM to npm stops the server',
    async () => {
      const install = await npm(['ci']);
      expect(install.status, install.output).toBe(0);
      const built = statSync(join(app, 'dist', 'server.js')).mtimeMs;

      const server = await npmStart({});
      const discovery = await fetch(`${server.baseUrl}/cds-services`);
      expect(discovery.status).toBe(200);
      expect(statSync(join(app, 'dist', 'server.js')).mtimeMs, 'npm start rebuilt dist/').toBe(built);
      await expectSigtermStops(server);
    },
    INSTALL_MS
  );

  test(
    'then a production install: npm ci --omit=dev builds nothing and runs dist/ with runtime dependencies only',
    async () => {
      rmSync(join(app, 'node_modules'), { recursive: true, force: true });
      const install = await npm(['ci', '--omit=dev']);
      expect(install.status, install.output).toBe(0);
      expect(install.output).toContain('prepare: production install (no TypeScript): not building');
      for (const dev of ['typescript', 'tsx', 'vitest', 'eslint', 'playwright-core', 'fhirclient']) {
        expect(existsSync(join(app, 'node_modules', dev)), `${dev} is a dev dependency`).toBe(false);
      }

      const server = await npmStart({
        NODE_ENV: 'production',
        TRUSTED_CLIENTS: trustedClients,
        PUBLIC_BASE_URL: 'https://cds.example.org',
      });
      // Production: discovery needs a client JWT, and the demo FHIR server is off.
      expect((await fetch(`${server.baseUrl}/cds-services`)).status).toBe(401);
      expect((await fetch(`${server.baseUrl}/fhir/metadata`)).status).toBe(404);
      // The SMART app's library comes from dist/vendor/ (copied at build time), not from a dev dependency.
      const library = await fetch(`${server.baseUrl}/smart/vendor/fhir-client.js`);
      expect(library.status).toBe(200);
      expect((await library.text()).length).toBeGreaterThan(10_000);
      await expectSigtermStops(server);
    },
    INSTALL_MS
  );
});
