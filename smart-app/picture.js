// The patient's picture: context, pattern and severity, timeline (from the decision model and the views the
// service computed with the hooks' pipeline).
import { codeText, el, evidenceList, fill, muted, yesNo } from './format.js';

export function renderContext(model) {
  const ctd = model.ctd.map((fact) =>
    el(
      'li',
      {},
      el('strong', {}, fact.label),
      ` (${fact.status}${fact.vasculitis ? ', a vasculitis' : ''})`,
      evidenceList([fact.evidence], `Record of ${fact.label}`)
    )
  );
  const serology = model.autoimmuneSerologyPositive.map((s) =>
    el('li', {}, el('strong', {}, s.label), ' positive', evidenceList([s.evidence], `Result of ${s.label}`))
  );
  const v = model.vasculitis;
  const vasculitis = el(
    'dl',
    { class: 'facts' },
    el('dt', {}, 'Vasculitis suspected'),
    el('dd', {}, yesNo(v.suspected)),
    el('dt', {}, 'Vasculitic neuropathy suspected (no biopsy result yet)'),
    el('dd', {}, yesNo(v.neuropathySuspected)),
    el('dt', {}, 'Vasculitic neuropathy proven on biopsy'),
    el('dd', {}, yesNo(v.neuropathyProven)),
    el('dt', {}, 'Severe (motor involvement or severe neuropathy)'),
    el('dd', {}, yesNo(v.severe)),
    el('dt', {}, 'On cyclophosphamide or another immunosuppressant'),
    el('dd', {}, yesNo(v.treated))
  );
  fill(
    'context',
    ctd.length === 0
      ? muted('No connective tissue disease or systemic vasculitis is recorded as active, relapsing or in remission.')
      : el('ul', { class: 'facts-list', 'aria-label': 'Connective tissue diseases and vasculitides' }, ctd),
    serology.length === 0 ? '' : [el('h3', {}, 'Positive autoantibodies (no CTD recorded)'), el('ul', {}, serology)],
    el('h3', {}, 'Vasculitis'),
    vasculitis,
    v.evidence.length === 0 ? '' : evidenceList(v.evidence, 'Records behind the vasculitis assessment')
  );
}

export function renderPattern(model, patternLabels) {
  const n = model.neuropathy;
  if (!n.any && n.findings.length === 0) {
    fill('pattern', muted('No neuropathy, numbness or paraesthesia is recorded.'));
    return;
  }
  const byPattern = new Map();
  for (const finding of n.findings) {
    const list = byPattern.get(finding.pattern) ?? [];
    list.push(finding);
    byPattern.set(finding.pattern, list);
  }
  const patterns = [...byPattern].map(([pattern, findings]) =>
    el(
      'li',
      { 'data-pattern': pattern },
      el('strong', {}, patternLabels[pattern] ?? pattern),
      findings.every((f) => f.status === 'suspected') ? ' (suspected)' : '',
      evidenceList(
        findings.map((f) => f.evidence),
        `Records of ${patternLabels[pattern] ?? pattern}`
      )
    )
  );
  // A record can be both the motor finding and the severity: list it once.
  const severityEvidence = [...new Map([...n.motor, ...n.severity].map((e) => [e.reference, e])).values()];
  fill(
    'pattern',
    el('h3', {}, 'Pattern'),
    el('ul', { class: 'facts-list', 'aria-label': 'Neuropathy patterns' }, patterns),
    el('h3', {}, 'Severity'),
    el(
      'p',
      { class: 'severity' },
      n.severe
        ? 'Severe: motor involvement, or a neuropathy recorded as severe.'
        : 'Not recorded as severe (no motor involvement or severe neuropathy on record).'
    ),
    severityEvidence.length === 0 ? '' : evidenceList(severityEvidence, 'Records behind the severity'),
    n.numbness.length === 0 ? '' : [el('h3', {}, 'Numbness and paraesthesia'), evidenceList(n.numbness, 'Numbness')]
  );
}

const KINDS = {
  finding: 'Finding',
  biopsy: 'Biopsy',
  electrodiagnosis: 'Nerve conduction / EMG',
  treatment: 'Treatment',
};

export function renderTimeline(entries) {
  if (entries.length === 0) {
    fill('timeline', muted('No neuropathy findings, biopsies, studies or treatments are recorded.'));
    return;
  }
  const rows = entries.map((entry) =>
    el(
      'tr',
      { 'data-kind': entry.kind },
      el('td', { class: 'date' }, entry.evidence.date ?? 'not recorded'),
      el('td', {}, KINDS[entry.kind] ?? entry.kind),
      el('td', {}, entry.what),
      el(
        'td',
        {},
        entry.evidence.display,
        entry.evidence.detail === undefined ? '' : `: ${entry.evidence.detail}`,
        ' ',
        el('span', { class: 'code' }, `(${codeText(entry.evidence)})`)
      )
    )
  );
  fill(
    'timeline',
    el(
      'table',
      {},
      el('caption', {}, 'Newest first; records without a date last'),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Date', 'Kind', 'What', 'Record'].map((h) => el('th', { scope: 'col' }, h))
        )
      ),
      el('tbody', {}, rows)
    )
  );
}
