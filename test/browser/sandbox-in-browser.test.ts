import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { demoExpectations, demoRequest, startDemoService, type RunningService } from '../support/demo.js';
import { assertChromiumInCi, CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, IN_CI } from '../support/chromium.js';
import { listenOnLoopback } from '../support/loopback.js';

/**
 * What the CDS Hooks Sandbox does, done by a real browser: a page on another origin calls the service with fetch,
 * as the Sandbox does from the clinician's browser. test/e2e/sandbox.test.ts replays the same calls over HTTP; only
 * a browser enforces CORS (preflight, allowed headers) and Local Network Access, and applies the security headers
 * of the answers (Cross-Origin-Resource-Policy, Cross-Origin-Opener-Policy, CSP) to a cross-origin page.
 *
 * The Sandbox is a public https page calling http://localhost: the stand-in page is served on another port of
 * 127.0.0.1 that Chromium is told to treat as a public address (--ip-address-space-overrides), so its calls to the
 * service cross from the public to the loopback address space, as the Sandbox's do.
 *
 * Runs where Chromium is (Debian's package: /usr/bin/chromium, or CHROMIUM_PATH); skipped without it, except in CI
 * (CI=true), where .ci/run installs it and a missing Chromium fails the suite.
 */

/** The README's Sandbox link opens this patient; its Rx View example prescribes nitrofurantoin for the other. */
const PATIENT = 'sle-mononeuritis-multiplex';
const ORDER_PATIENT = 'sle-polyneuropathy';
const ORDER = 'nitrofurantoin-capsule';
const CALLS = ['discovery', 'metadata', 'patient', 'patientWrongToken', 'patient-view', 'order-select'] as const;
const SERVICES = [
  'ctd-neuropathy-order-select order-select',
  'ctd-neuropathy-order-sign order-sign',
  'ctd-neuropathy-patient-view patient-view',
];

interface CallResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  readonly services?: string[];
  readonly resourceType?: string;
  readonly id?: string;
  readonly fhirVersion?: string;
  readonly cards?: { summary: string; rule: string; link?: string }[];
}

interface PageRun {
  /** What the page wrote into #results, per call. */
  readonly results: Partial<Record<(typeof CALLS)[number], CallResult>> & { guidanceOpened?: string };
  /** What Chromium reported as errors on the console of any page (CORS refusals, CSP violations, failed loads). */
  readonly consoleErrors: string[];
  /** Every URL a page asked for. */
  readonly urls: string[];
  /** The response headers the browser saw, by URL. */
  readonly headers: ReadonlyMap<string, Record<string, string>>;
  /** The card link the page opened in a new tab, once it has loaded. */
  readonly guidance?: Page;
}

/** Serves the Sandbox stand-in page and, per run, its run.json (the service's base and the two hook requests). */
interface PageServer {
  readonly port: number;
  readonly origin: string;
  readonly runs: Map<string, unknown>;
  close(): Promise<void>;
}

async function startPageServer(): Promise<PageServer> {
  const html = readFileSync(new URL('./sandbox-page.html', import.meta.url), 'utf8');
  const runs = new Map<string, unknown>();
  const page = await listenOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const run = runs.get(url.searchParams.get('run') ?? '');
    if (url.pathname === '/' && run !== undefined) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    } else if (url.pathname === '/run.json' && run !== undefined) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(run));
    } else {
      res.writeHead(404).end();
    }
  });
  return { port: page.port, origin: page.base, runs, close: page.close };
}

/** The Sandbox's requests: fhirServer is the demo FHIR server, no fhirAuthorization, no prefetch. */
function sandboxRequests(running: RunningService): Record<string, unknown> {
  const fhirServer = `${running.base}/fhir`;
  const withoutToken = (body: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'fhirAuthorization'));
  return {
    'patient-view': withoutToken(demoRequest(running.demo, { hook: 'patient-view', patientId: PATIENT, fhirServer })),
    'order-select': withoutToken(
      demoRequest(running.demo, { hook: 'order-select', patientId: ORDER_PATIENT, fhirServer, drafts: [ORDER] })
    ),
  };
}

// As the PostgreSQL and Redis suites are gated on DATABASE_URL / REDIS_URL; the title says why when it is skipped.
describe.skipIf(!HAVE_CHROMIUM && !IN_CI)(
  HAVE_CHROMIUM
    ? `the CDS Hooks Sandbox's calls from a public page on another origin, in headless Chromium (${CHROMIUM})`
    : `the CDS Hooks Sandbox in a browser: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  () => {
    let browser: Browser | undefined;
    let pages: PageServer | undefined;
    /** Development mode with the demo FHIR server open, as the README starts it for the Sandbox. */
    let open: RunningService | undefined;
    /** The same, but CORS_ORIGINS allows only an origin other than the page's. */
    let elsewhere: RunningService | undefined;

    beforeAll(async () => {
      assertChromiumInCi();
      pages = await startPageServer();
      const publicPage = `--ip-address-space-overrides=127.0.0.1:${String(pages.port)}=public`;
      [browser, open, elsewhere] = await Promise.all([
        chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, publicPage] }),
        startDemoService({ NODE_ENV: 'development', DEMO_FHIR_OPEN: 'true' }),
        startDemoService({
          NODE_ENV: 'development',
          DEMO_FHIR_OPEN: 'true',
          CORS_ORIGINS: 'https://sandbox.cds-hooks.org',
        }),
      ]);
    }, 60_000);

    /** One context per run, closed with the browser (a run's guidance tab stays open for its test to read). */
    const contexts: BrowserContext[] = [];
    afterAll(async () => {
      await Promise.all(contexts.map((context) => context.close()));
      await Promise.all([browser?.close(), pages?.close(), open?.close(), elsewhere?.close()]);
    });

    /**
     * Loads the page against `running` in a fresh browser context and waits for it to write its results.
     * `localNetwork`: the clinician lets the page reach the local network when the browser asks (the permission
     * prompt of Local Network Access).
     */
    async function runPage(
      name: string,
      running: RunningService,
      options: { localNetwork: boolean }
    ): Promise<PageRun> {
      pages!.runs.set(name, { service: running.base, patientId: PATIENT, requests: sandboxRequests(running) });
      const context = await browser!.newContext();
      contexts.push(context);
      if (options.localNetwork) {
        await context.grantPermissions(['local-network-access'], { origin: pages!.origin });
      }
      const consoleErrors: string[] = [];
      const urls: string[] = [];
      const headers = new Map<string, Record<string, string>>();
      context.on('request', (request) => urls.push(request.url()));
      context.on('response', (response) => headers.set(response.url(), response.headers()));
      const watch = (page: Page) => {
        page.on('console', (message) => {
          if (message.type() === 'error') {
            consoleErrors.push(`${page.url()}: ${message.text()}`);
          }
        });
        page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: page error: ${error.message}`));
      };
      context.on('page', watch);
      const page = await context.newPage();
      await page.goto(`${pages!.origin}/?run=${name}`);
      const written = page.locator('#results[data-state="done"]');
      await written.waitFor({ timeout: 15_000 });
      const results = JSON.parse((await written.textContent()) ?? '{}') as PageRun['results'];
      // The tab the page opened with window.open, if it opened one.
      let guidance: Page | undefined;
      if (typeof results.guidanceOpened === 'string') {
        guidance =
          context.pages().find((other) => other !== page) ?? (await context.waitForEvent('page', { timeout: 10_000 }));
        await guidance.waitForLoadState('load');
      }
      return { results, consoleErrors, urls, headers, ...(guidance === undefined ? {} : { guidance }) };
    }

    /** Only 127.0.0.1: the page's origin and the service's. */
    function expectLoopbackOnly(run: PageRun, running: RunningService): void {
      const origins = new Set(run.urls.map((url) => new URL(url).origin));
      expect([...origins].sort()).toEqual([pages!.origin, running.base].sort());
    }

    test('allowed to reach the local network, every call succeeds: discovery, the open FHIR server, both hooks, the card link', async () => {
      const running = open!;
      const run = await runPage('open', running, { localNetwork: true });
      expectLoopbackOnly(run, running);
      const { results } = run;
      expect(Object.keys(results).sort(), JSON.stringify(results)).toEqual([...CALLS, 'guidanceOpened'].sort());
      // No CORS refusal, CSP violation or blocked load: Chromium's note of the expected 401 is the only console error.
      expect(run.consoleErrors.filter((text) => !text.includes('status of 401 (Unauthorized)'))).toEqual([]);

      // The service's answers carry helmet's headers, and the browser let the cross-origin page read them all the same.
      const discoveryHeaders = run.headers.get(`${running.base}/cds-services`);
      expect(discoveryHeaders).toMatchObject({
        'access-control-allow-origin': pages!.origin,
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'cross-origin-resource-policy': 'same-origin',
        'cross-origin-opener-policy': 'same-origin',
        'x-frame-options': 'DENY',
      });
      expect(results.discovery?.status, JSON.stringify(results.discovery)).toBe(200);
      expect(results.discovery?.services?.sort()).toEqual(SERVICES);
      expect(results.metadata).toEqual({
        ok: true,
        status: 200,
        resourceType: 'CapabilityStatement',
        fhirVersion: '4.0.1',
      });
      expect(results.patient).toEqual({ ok: true, status: 200, resourceType: 'Patient', id: PATIENT });
      // An error answer carries the CORS headers too: the page reads the 401, not an opaque network error.
      expect(results.patientWrongToken).toEqual({ ok: true, status: 401, resourceType: 'OperationOutcome' });

      const patientView = results['patient-view'];
      expect(patientView?.status, JSON.stringify(patientView)).toBe(200);
      expect(patientView?.cards?.map((card) => card.rule)).toEqual(demoExpectations()[PATIENT]?.['patient-view']);
      expect(patientView?.cards?.every((card) => card.summary.length > 0)).toBe(true);

      const scenario = demoExpectations()[ORDER_PATIENT]?.orders.find(
        (o) => o.drafts.length === 1 && o.drafts[0] === ORDER && o.selections === undefined
      );
      expect(scenario?.['order-select']).toEqual(['nitrofurantoin-neuropathy-risk']);
      const orderSelect = results['order-select'];
      expect(orderSelect?.status, JSON.stringify(orderSelect)).toBe(200);
      expect(orderSelect?.cards?.map((card) => card.rule)).toEqual(scenario?.['order-select']);

      // The card's link opens in a new tab and renders under the guidance page's own CSP.
      const first = patientView?.cards?.[0];
      expect(run.guidance?.url()).toBe(`${running.base}/guidance/${first?.rule ?? ''}`);
      expect(await run.guidance?.locator('h1').textContent()).toBeTruthy();
      expect(await run.guidance?.locator('code').first().textContent()).toBe(first?.rule);
    });

    test('not allowed to reach the local network, the browser blocks every call (the prompt the README mentions)', async () => {
      const running = open!;
      const run = await runPage('no-local-network', running, { localNetwork: false });
      expectLoopbackOnly(run, running);
      for (const name of CALLS) {
        expect(run.results[name], name).toEqual({ ok: false, error: 'TypeError: Failed to fetch' });
      }
      const denied = run.consoleErrors.filter((text) =>
        text.includes('Permission was denied for this request to access the `loopback` address space')
      );
      expect(denied, run.consoleErrors.join('\n')).toHaveLength(CALLS.length);
    });

    test('with CORS_ORIGINS set to another origin, the browser blocks every one of those calls', async () => {
      const running = elsewhere!;
      const run = await runPage('elsewhere', running, { localNetwork: true });
      expectLoopbackOnly(run, running);
      for (const name of CALLS) {
        expect(run.results[name], name).toEqual({ ok: false, error: 'TypeError: Failed to fetch' });
      }
      // Chromium says why: CORS, for each URL; the POSTs fail at their preflight, so they are never sent.
      const blocked = run.consoleErrors.filter((text) => text.includes('has been blocked by CORS policy'));
      for (const path of ['/cds-services', '/fhir/metadata', `/fhir/Patient/${PATIENT}`]) {
        expect(
          blocked.some((text) => text.includes(`'${running.base}${path}'`)),
          blocked.join('\n')
        ).toBe(true);
      }
      for (const hook of ['patient-view', 'order-select']) {
        const url = `'${running.base}/cds-services/ctd-neuropathy-${hook}'`;
        expect(
          blocked.some((text) => text.includes(url) && text.includes('preflight')),
          blocked.join('\n')
        ).toBe(true);
      }
    });
  }
);
