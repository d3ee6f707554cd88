// Small DOM and text helpers of the app. Everything from the record goes in as text (textContent), never as HTML.

const SYSTEMS = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://www.ama-assn.org/go/cpt': 'CPT',
};

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

/** "SNOMED CT 55464009", or "recognised from text" when the record carried no code the service knows. */
export function codeText(evidence) {
  if (evidence?.code === undefined || evidence.system === undefined) {
    return 'recognised from text';
  }
  return `${SYSTEMS[evidence.system] ?? evidence.system} ${evidence.code}`;
}

/** One piece of evidence: display (detail), code, date, record reference. */
export function evidenceItem(evidence) {
  return el(
    'li',
    { class: 'evidence' },
    el('span', { class: 'display' }, evidence.display),
    evidence.detail === undefined ? '' : `: ${evidence.detail}`,
    ' ',
    el('span', { class: 'code' }, `(${codeText(evidence)})`),
    ' ',
    el('span', { class: 'date' }, evidence.date ?? 'date not recorded'),
    ' ',
    el('span', { class: 'reference' }, evidence.reference)
  );
}

export function evidenceList(list, label) {
  return el('ul', { class: 'evidence-list', 'aria-label': label }, list.map(evidenceItem));
}

export function yesNo(value) {
  return value ? 'yes' : 'no';
}

/** Replaces a section's body. */
export function fill(sectionId, ...children) {
  const body = document.querySelector(`[data-section="${sectionId}"]`);
  body.replaceChildren(...children.flat());
}

export function muted(text) {
  return el('p', { class: 'muted' }, text);
}
