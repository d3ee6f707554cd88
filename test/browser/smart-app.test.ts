import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChartAnswer } from '../../src/smart/evaluate-chart.js';
import { assertChromiumInCi, CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, IN_CI } from '../support/chromium.js';
import { demoExpectations, startDemoService, type RunningService } from '../support/demo.js';
import { listenOnLoopback, type Loopback } from '../support/loopback.js';
import { repositoryKnowledge } from '../support/service.js';
import { createLaunch, evaluateChart, launchAndToken, readChart } from '../support/smart-flow.js';

/**
 * The SMART app launched as an EHR launches it, in headless Chromium: an EHR page on another origin frames the launch
 * URL at 1280x800; the app runs SMART App Launch 2.0 with fhirclient against the demo FHIR server's authorization
 * server (launch -> authorize -> token -> app), reads the patient's data with its token and shows the picture. Then
 * a CDS Hooks Sandbox stand-in opens the app from a card's SMART link. Screenshots go to SCREENSHOTS for review.
 */
const SCREENSHOTS = join(tmpdir(), 'ctd-neuropathy-cds-smart');
const PATIENTS = [
  'sle-mononeuritis-multiplex',
  'pan-mononeuritis-foot-drop',
  'ra-polyneuropathy',
  'sjogren-burning-feet',
  'hypertension-only',
];
const titleOf = (rule: string): string =>
  repositoryKnowledge().rules.find((r) => r.id === rule)?.template.title ?? rule;

interface Pages {
  readonly loopback: Loopback;
  readonly runs: Map<string, unknown>;
}

/** The EHR page (a frame at 1280x800) and the Sandbox stand-in, on an origin of their own. */
async function startPages(): Promise<Pages> {
  const sandbox = readFileSync(new URL('./sandbox-smart-link-page.html', import.meta.url), 'utf8');
  const runs = new Map<string, unknown>();
  const loopback = await listenOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const src = url.searchParams.get('src') ?? '';
    if (url.pathname === '/ehr' && src.startsWith('http://127.0.0.1:')) {
      const escaped = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>EHR</title>` +
            `<style>body{margin:0}iframe{border:0;width:1280px;height:800px;display:block}</style></head>` +
            `<body><iframe title="Neuropathy workup app" src="${escaped}"></iframe></body></html>`
        );
    } else if (url.pathname === '/sandbox' && runs.has(url.searchParams.get('run') ?? '')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(sandbox);
    } else if (url.pathname === '/run.json' && runs.has(url.searchParams.get('run') ?? '')) {
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(runs.get(url.searchParams.get('run') ?? '')));
    } else {
      res.writeHead(404).end();
    }
  });
  return { loopback, runs };
}

interface Watched {
  readonly urls: string[];
  readonly errors: string[];
}

function watch(context: BrowserContext): Watched {
  const watched: Watched = { urls: [], errors: [] };
  context.on('request', (r) => watched.urls.push(r.url()));
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') {
        watched.errors.push(`${page.url()}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => watched.errors.push(`${page.url()}: ${e.message}`));
  });
  return watched;
}

async function appReady(frame: Frame | Page): Promise<void> {
  await frame.locator('body[data-state]').waitFor({ timeout: 30_000 });
  expect(await frame.locator('body').getAttribute('data-state'), await frame.locator('#status').innerText()).toBe(
    'ready'
  );
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)(
  HAVE_CHROMIUM
    ? `the SMART app launched like an EHR launches it, in headless Chromium (${CHROMIUM})`
    : `the SMART app in a browser: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  () => {
    let browser: Browser | undefined;
    let pages: Pages | undefined;
    let running: RunningService | undefined;

    beforeAll(async () => {
      assertChromiumInCi();
      mkdirSync(SCREENSHOTS, { recursive: true });
      // The Sandbox stand-in reads the open demo FHIR server; the app always presents its own SMART token.
      [browser, pages, running] = await Promise.all([
        chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
        startPages(),
        startDemoService({ NODE_ENV: 'development', DEMO_FHIR_OPEN: 'true' }),
      ]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([browser?.close(), pages?.loopback.close(), running?.close()]);
    });

    test.each(PATIENTS)(
      'EHR launch in a 1280x800 frame: %s - conditions, workup status and card titles on the page',
      async (patient) => {
        const base = running!.base;
        // What the page must show: the service's answer for this patient, reached without a browser.
        const token = await launchAndToken(base, patient);
        const expected = (
          await evaluateChart(base, {
            patientId: patient,
            prefetch: await readChart(base, patient, String(token['access_token'])),
          })
        ).json as ChartAnswer;
        expect(expected.cards.map((c) => c.source.topic?.code)).toEqual(demoExpectations()[patient]?.['patient-view']);

        const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
        const watched = watch(context);
        try {
          const launch = await createLaunch(base, patient);
          const src = `${base}/smart/launch?iss=${encodeURIComponent(`${base}/fhir`)}&launch=${launch}`;
          const page = await context.newPage();
          await page.goto(`${pages!.loopback.base}/ehr?src=${encodeURIComponent(src)}`);
          const frame = page.frame({ url: /\/smart\// });
          const app = page.frameLocator('iframe');
          await app.locator('body[data-state]').waitFor({ timeout: 30_000 });
          expect(await app.locator('body').getAttribute('data-state'), await app.locator('#status').innerText()).toBe(
            'ready'
          );
          expect(frame).not.toBeNull();

          await expect.poll(() => app.locator('#patient').innerText()).toContain(patient);
          await expect(app.locator('.disclaimer').first().innerText()).resolves.toContain(
            'Decision support, not a diagnosis'
          );
          // Conditions: every CTD and neuropathy finding of the model, by its record's display.
          const context_ = await app.locator('#context').innerText();
          for (const ctd of expected.model.ctd) {
            expect(context_).toContain(ctd.label);
            expect(context_).toContain(ctd.evidence.display);
          }
          const pattern = await app.locator('#pattern').innerText();
          for (const finding of expected.model.neuropathy.findings) {
            expect(pattern).toContain(finding.evidence.display);
            expect(pattern).toContain(expected.view.patternLabels[finding.pattern]);
          }
          // Workup status: each checklist row says what the service computed, in words.
          const rows = app.locator('#workup tbody tr');
          expect(await rows.count()).toBe(expected.view.checklist.items.length);
          for (const item of expected.view.checklist.items) {
            const row = app.locator(`#workup tr[data-concept="${item.concept}"]`);
            await expect(row.getAttribute('data-status')).resolves.toBe(item.status);
            await expect(row.innerText()).resolves.toContain(item.label);
          }
          // Card titles, in the order the service ranks them.
          const titles = await app.locator('#cards article.card > h3').allInnerTexts();
          expect(titles).toEqual(expected.cards.map((c) => titleOf(c.source.topic?.code ?? '')));
          if (titles.length === 0) {
            await expect(app.locator('#cards').innerText()).resolves.toContain('would show no card');
          }

          // What the clinician sees in the EHR's frame: the top, then the workup and the cards.
          await page.screenshot({ path: join(SCREENSHOTS, `${patient}.png`) });
          await app.locator('#workup').scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(SCREENSHOTS, `${patient}-workup.png`) });
          await app.locator('#cards').scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(SCREENSHOTS, `${patient}-cards.png`) });

          // Keyboard: from the EHR page, the first Tab enters the frame at the skip link; Enter moves to the content.
          await page.keyboard.press('Tab');
          await expect(app.locator(':focus').innerText()).resolves.toBe("Skip to the patient's picture");
          await page.keyboard.press('Enter');
          await expect(app.locator(':focus').getAttribute('id')).resolves.toBe('main');
          expect(await app.locator('h1').count()).toBe(1);

          // Every request went to the service or the EHR page: no CDN, font or analytics.
          const origins = new Set(watched.urls.map((u) => new URL(u).origin));
          expect([...origins].sort()).toEqual([base, pages!.loopback.base].sort());
          expect(watched.errors).toEqual([]);
        } finally {
          await context.close();
        }
      },
      60_000
    );

    test('opened from a card SMART link in the Sandbox page flow: the app opens on that card topic', async () => {
      const base = running!.base;
      const patient = 'sle-mononeuritis-multiplex';
      const rule = 'neuropathy-workup-labs';
      pages!.runs.set('link', { service: base, patientId: patient, rule });
      const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
      const watched = watch(context);
      try {
        const sandbox = await context.newPage();
        const opened = context.waitForEvent('page', { timeout: 20_000 });
        await sandbox.goto(`${pages!.loopback.base}/sandbox?run=link`);
        const results = sandbox.locator('#results[data-state="done"]');
        await results.waitFor({ timeout: 20_000 });
        const run = JSON.parse((await results.textContent()) ?? '{}') as {
          link?: { appContext?: string };
          error?: string;
        };
        expect(run.error).toBeUndefined();
        expect(run.link?.appContext).toBe(JSON.stringify({ rule }));

        const app = await opened;
        await appReady(app);
        // The appContext came back in the token response: the workup section has the focus, the card is marked.
        await expect(app.locator(':focus').getAttribute('id')).resolves.toBe('workup');
        const card = app.locator(`#cards article[data-rule="${rule}"]`);
        await expect(card.getAttribute('class')).resolves.toContain('from-link');
        await expect(card.innerText()).resolves.toContain('You opened the app from this card.');
        await app.screenshot({ path: join(SCREENSHOTS, 'opened-from-card.png') });
        const origins = new Set(watched.urls.map((u) => new URL(u).origin));
        expect([...origins].sort()).toEqual([base, pages!.loopback.base].sort());
        expect(watched.errors).toEqual([]);
      } finally {
        await context.close();
      }
    }, 60_000);
  }
);
