// The dashboard page: plain JavaScript, no framework, no build step. Every value read from a store or a run is
// inserted as text (textContent), never as HTML; figures are <img> elements, so nothing in them can run.
'use strict';

const token = new URLSearchParams(location.search).get('token');
const state = { selection: null, filters: {}, versions: {}, sources: [] };

function url(path, params = {}) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
  if (token) u.searchParams.set('token', token);
  return u;
}

async function get(path, params) {
  const r = await fetch(url(path, params));
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
  return body;
}

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'onclick' || k === 'onchange') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const fmt = (x, digits = 3) => (x === null || x === undefined ? '' : typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(digits)) : typeof x === 'object' ? JSON.stringify(x) : String(x));
/** A swept value as the spec wrote it (0.1, not 0.100). */
const value = (x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x));
const duration = (s) => (s === null || s === undefined ? 'unknown' : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const badge = (status) => el('span', { class: `badge ${status}`, 'data-status': status }, status);

/** A figure as an image; where the server has none (yet), its reason as text. */
function figure(params, caption) {
  const img = el('img', { alt: caption, src: url('/api/figure.svg', params), 'data-testid': `figure-${params.kind}` });
  const fig = el('figure', {}, img, el('figcaption', {}, caption));
  img.addEventListener('error', async () => {
    let reason = 'not available';
    try {
      const r = await fetch(img.src);
      reason = (await r.json()).error || reason;
    } catch {}
    img.replaceWith(el('p', { class: 'missing' }, `${caption}: ${reason}`));
  });
  return fig;
}

// --- the list of sources ---------------------------------------------------------------------------------

async function loadSources() {
  state.sources = await get('/api/sources');
  for (const s of state.sources) state.versions[s.id] = s.version;
  const nav = document.getElementById('sources');
  const items = [];
  for (const s of state.sources) {
    if (s.kind === 'store') {
      const group = el('div', { class: 'group' }, el('div', { class: 'group-title' }, s.label));
      if (s.error) group.append(el('p', { class: 'missing' }, s.error));
      for (const sw of s.sweeps || []) {
        const status = sw.counts.running > 0 ? 'running' : sw.counts.pending > 0 ? 'pending' : sw.counts.failed > 0 && sw.counts.done === 0 ? 'failed' : 'done';
        const selected = state.selection && state.selection.id === s.id && state.selection.sweep === sw.name;
        group.append(el('button', { class: selected ? 'selected' : '', 'data-testid': 'sweep-link', onclick: () => select({ kind: 'sweep', id: s.id, sweep: sw.name }) }, sw.name, badge(status), el('span', { class: 'badge' }, `${sw.counts.done}/${sw.total}`)));
      }
      items.push(group);
    } else {
      const selected = state.selection && state.selection.id === s.id;
      items.push(el('div', { class: 'group' }, el('button', { class: selected ? 'selected' : '', 'data-testid': 'run-link', onclick: () => select({ kind: 'run', id: s.id }) }, s.label, badge(s.status || 'stopped'), s.plannedEpochs ? el('span', { class: 'badge' }, `${s.epochs}/${s.plannedEpochs}`) : null)));
    }
  }
  nav.replaceChildren(...(items.length ? items : [el('p', { class: 'hint' }, 'No sweep stores or run directories found.')]));
}

function select(selection) {
  if (!state.selection || state.selection.id !== selection.id || state.selection.sweep !== selection.sweep) state.filters = {};
  state.selection = selection;
  loadSources().catch(showError);
  render().catch(showError);
}

function showError(err) {
  document.getElementById('view').replaceChildren(el('p', { class: 'missing' }, String(err.message || err)));
}

// --- views -----------------------------------------------------------------------------------------------

async function render() {
  const s = state.selection;
  if (!s) return;
  const view = document.getElementById('view');
  const scroll = view.scrollTop;
  const content = s.kind === 'sweep' ? await sweepView(s) : s.kind === 'trial' ? await trialView(s) : await runView(s);
  view.replaceChildren(...content);
  view.scrollTop = scroll;
}

/** The content security policy forbids style attributes; the bar's width is set through the CSSOM instead. */
function progressBar(fraction) {
  const bar = el('div');
  bar.style.width = `${(100 * fraction).toFixed(1)}%`;
  return el('div', { class: 'progress', 'data-testid': 'progress' }, bar);
}

async function sweepView(s) {
  const data = await get('/api/store', { id: s.id });
  const sweep = data.sweeps.find((x) => x.name === s.sweep);
  if (!sweep) return [el('p', { class: 'missing' }, `sweep ${s.sweep} is no longer in this store`)];
  const c = sweep.counts;
  const finished = c.done + c.failed;
  const out = [
    el('h2', {}, sweep.name),
    progressBar(finished / Math.max(1, sweep.total)),
    el('p', { class: 'meta', 'data-testid': 'counts' }, `${c.done} done, ${c.running} running, ${c.pending} queued, ${c.failed} failed of ${sweep.total}` + (c.running + c.pending > 0 ? `; about ${duration(sweep.etaSeconds)} left` : '')),
  ];
  // Filters over the swept fields: they narrow the table and the figures.
  const filters = el('div', { class: 'filters' });
  for (const [field, values] of Object.entries(sweep.fields)) {
    if (values.length < 2) continue;
    const choice = el('select', { 'data-field': field, onchange: (e) => {
      if (e.target.value === '') delete state.filters[field];
      else state.filters[field] = JSON.parse(e.target.value);
      render().catch(showError);
    } }, el('option', { value: '' }, 'all'), values.map((v) => el('option', { value: JSON.stringify(v), selected: field in state.filters && JSON.stringify(state.filters[field]) === JSON.stringify(v) }, value(v))));
    filters.append(el('label', {}, field, choice));
  }
  if (filters.childElementCount) out.push(filters);
  const version = state.versions[s.id];
  if (sweep.figures.length) {
    out.push(el('div', { class: 'figures' }, sweep.figures.map((f) => figure({ kind: 'sweep', id: s.id, sweep: sweep.name, figure: f, filter: JSON.stringify(state.filters), v: version }, f))));
  }
  const match = (t) => Object.entries(state.filters).every(([k, v]) => JSON.stringify(t.overrides[k]) === JSON.stringify(v));
  const trials = data.trials.filter((t) => t.sweep === sweep.name && match(t));
  const fields = Object.keys(sweep.fields);
  const head = el('tr', {}, ['status', ...fields, 'test acc', 'valid acc', 'spikes/neuron', 'epochs', 'wall', 'attempts', 'worker', 'error'].map((h) => el('th', {}, h)));
  const rows = trials.map((t) =>
    el('tr', { class: 'clickable', 'data-trial': t.id, onclick: () => select({ kind: 'trial', id: s.id, trial: t.id, sweep: s.sweep }) },
      el('td', {}, badge(t.status)),
      fields.map((f) => el('td', {}, value(t.overrides[f]))),
      el('td', {}, fmt(t.testAccuracy)),
      el('td', {}, fmt(t.validAccuracy)),
      el('td', {}, fmt(t.spikesPerNeuron, 2)),
      el('td', {}, t.epochs),
      el('td', {}, t.wallSeconds === null ? '' : duration(t.wallSeconds)),
      el('td', {}, t.attempts),
      el('td', {}, t.worker || ''),
      el('td', { class: 'error', 'data-testid': 'trial-error' }, t.error || ''),
    ),
  );
  out.push(el('h3', {}, `Trials (${trials.length})`), el('table', { 'data-testid': 'trials' }, el('thead', {}, head), el('tbody', {}, rows)));
  return out;
}

async function trialView(s) {
  const t = await get('/api/trial', { id: s.id, trial: s.trial });
  return [
    el('p', {}, el('button', { onclick: () => select({ kind: 'sweep', id: s.id, sweep: t.sweep }) }, `back to ${t.sweep}`)),
    el('h2', {}, `Trial ${t.id}`, badge(t.status)),
    el('p', { class: 'meta' }, Object.entries(t.overrides).map(([k, v]) => `${k} = ${value(v)}`).join(', ')),
    t.error ? el('pre', { 'data-testid': 'trial-error-full' }, t.error) : null,
    t.history.length ? el('div', { class: 'figures' }, figure({ kind: 'curves', id: s.id, trial: t.id, v: state.versions[s.id] }, 'learning curves')) : el('p', { class: 'missing' }, 'no epoch finished yet'),
    el('h3', {}, 'Config'),
    el('pre', {}, JSON.stringify(t.config, null, 2)),
  ];
}

async function runView(s) {
  const r = await get('/api/run', { id: s.id });
  const label = (state.sources.find((x) => x.id === s.id) || {}).label || s.id;
  const last = r.history[r.history.length - 1];
  const v = state.versions[s.id];
  const out = [
    el('h2', {}, label, badge(r.status)),
    el('p', { class: 'meta', 'data-testid': 'run-meta' }, `${r.epochs}${r.plannedEpochs ? ` of ${r.plannedEpochs}` : ''} epochs` + (last && last.valid ? `; last validation accuracy ${fmt(last.valid.accuracy)}` : '') + (r.results && r.results.test ? `; test accuracy ${fmt(r.results.test.accuracy)}` : '') + (r.updatedAt ? `; updated ${new Date(r.updatedAt).toLocaleString()}` : '')),
  ];
  if (r.history.length) out.push(el('div', { class: 'figures' }, figure({ kind: 'curves', id: s.id, v }, 'learning curves'), r.config ? figure({ kind: 'rasters', id: s.id, v }, 'spikes of one test sample, before and after training') : null));
  else out.push(el('p', { class: 'missing' }, 'no epoch finished yet'));
  const head = el('tr', {}, ['epoch', 'lr', 'train loss', 'train acc', 'valid acc', 'spikes/neuron', 'seconds'].map((h) => el('th', {}, h)));
  const rows = r.history.map((h) => el('tr', {}, el('td', {}, h.epoch), el('td', {}, fmt(h.lr, 4)), el('td', {}, fmt(h.train.loss, 4)), el('td', {}, fmt(h.train.accuracy)), el('td', {}, h.valid ? fmt(h.valid.accuracy) : ''), el('td', {}, h.train.spikesPerNeuron.map((x) => fmt(x, 2)).join(' / ')), el('td', {}, fmt(h.seconds, 2))));
  out.push(el('h3', {}, 'Epochs'), el('table', { 'data-testid': 'epochs' }, el('thead', {}, head), el('tbody', {}, rows)));
  out.push(el('h3', {}, 'Config'), el('pre', {}, JSON.stringify(r.config, null, 2)));
  return out;
}

// --- live updates ----------------------------------------------------------------------------------------

function connect() {
  const live = document.getElementById('live');
  const events = new EventSource(url('/api/events'));
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  events.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.className = 'live off';
  });
  events.addEventListener('sources', () => loadSources().catch(showError));
  events.addEventListener('change', (e) => {
    const { id, version } = JSON.parse(e.data);
    state.versions[id] = version;
    loadSources().catch(showError);
    if (state.selection && state.selection.id === id) render().catch(showError);
  });
}

loadSources().catch(showError);
connect();
