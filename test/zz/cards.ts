// Prints the rule ids each new demo patient gets, offline (prefetch = whole chart).
import { systemClock } from '../../src/call-service.js';
import { offlinePipeline } from '../../src/cli/offline-pipeline.js';
import { parseConfig } from '../../src/config.js';
import { defaultDemoDir, draftOrderFor, loadDemoData } from '../../src/demo/demo-data.js';
const pipeline = offlinePipeline(parseConfig({ LOG_LEVEL: 'silent' }), systemClock);
const demo = loadDemoData(defaultDemoDir(), systemClock.today());
const ids = process.argv.slice(2);
for (const p of demo.patients.filter((x) => ids.length === 0 || ids.includes(x.id))) {
  const r = await pipeline.evaluate([p.patient, ...p.resources], p.id, 'patient-view', undefined);
  console.log(p.id, r.response.cards.map((c) => c.source.topic?.code + ':' + c.indicator));
  if (process.env.DETAIL) for (const c of r.response.cards) console.log('   ', c.summary, '\n', c.detail);
}
for (const [p, orders] of [['sle-severe-vasculitic-70kg', ['methylprednisolone-16mg-oral-tid', 'methylprednisolone-1g-iv-daily', 'methylprednisolone-250mg-iv-daily']]] as const) {
  for (const o of orders) {
    const patient = demo.patients.find((x) => x.id === p)!;
    const r = await pipeline.evaluate([patient.patient, ...patient.resources], p, 'order-select', [draftOrderFor(demo, o, p)]);
    console.log(p, o, r.response.cards.map((c) => c.source.topic?.code + ':' + c.indicator + ' ' + c.summary));
  }
}
