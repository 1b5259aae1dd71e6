// @ts-check
/**
 * The results and the actions that show them: creating a pod, applying a manifest (with an
 * example and a broken one), injecting faults; a refused request shows its Status and causes.
 */
import { $, dirty, request, schedule, state } from './shared.js';
import { selectActor } from './chart-pane.js';
import { focusFlow, renderFlowOptions } from './seq-pane.js';
import { esc } from './model.js';

function statusBox(/** @type {any} */ s) {
  if (!s) return '';
  const causes = s.details?.causes ?? [];
  let h = `<div class="status-box"><div class="s-head">${esc(s.code ?? '')} ${esc(s.reason ?? 'Failure')}${causes.length ? ` · ${causes.length} cause${causes.length === 1 ? '' : 's'}` : ''}</div><div class="s-msg" title="click to show all of it">${esc(s.message ?? '')}</div>`;
  for (const c of causes) {
    h += `<div class="cause"><code class="field">${esc(c.field ?? '(object)')}</code> <span class="reason">${esc(c.reason ?? '')}</span><div class="c-msg">${esc(c.message ?? '')}</div></div>`;
  }
  return h + `</div>`;
}

export function showResult(/** @type {any} */ r) {
  const el = $('result');
  if (r.type === 'error') {
    el.innerHTML = `<div class="fail">${esc(r.message)}</div>`;
    return;
  }
  let h = '';
  if (r.items) {
    for (const i of r.items) h += i.ok ? `<div class="ok">${esc(i.ref)} ${esc(i.action)}</div>` : `<div class="fail">${esc(i.ref)}</div>${statusBox(i.status)}`;
  }
  if (!r.items?.length) h += r.ok ? `<div class="ok">${esc(r.message ?? 'ok')}</div>` : r.status ? statusBox(r.status) : `<div class="fail">${esc(r.error ?? r.message ?? 'failed')}</div>`;
  else if (r.status) h += statusBox(r.status);
  el.innerHTML = h;
}

const EXAMPLE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

const BROKEN = `# the API server refuses this pod: see the Status and its causes
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  restartPolicy: Sometimes
  containers:
  - name: web
    ports:
    - containerPort: 70000
`;

$('create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = /** @type {HTMLInputElement} */ ($('pod-name')).value.trim();
  const image = /** @type {HTMLInputElement} */ ($('pod-image')).value.trim();
  const btn = /** @type {HTMLButtonElement} */ ($('btn-create'));
  btn.disabled = true;
  $('result').innerHTML = `<div>creating…${state.status?.paused ? ' (virtual time is paused: press Play or Step)' : ''}</div>`;
  const requested = name || null;
  if (requested) {
    state.pendingSelect = `pod/default/${requested}`;
    focusFlow(`create pods default/${requested}`);
  }
  const r = await request({ type: 'create-pod', ...(name ? { name } : {}), ...(image ? { image } : {}) });
  btn.disabled = false;
  showResult(r);
  if (r.ok && r.name) {
    const key = `pod/default/${r.name}`;
    if (state.actors.has(key)) selectActor(key, true);
    else state.pendingSelect = key;
    state.userSelected = true;
    if (r.flow) focusFlow(r.flow);
    /** @type {HTMLInputElement} */ ($('pod-name')).value = '';
  }
});

const manifest = /** @type {HTMLTextAreaElement} */ ($('manifest'));
manifest.value = EXAMPLE;
$('btn-example').addEventListener('click', () => (manifest.value = EXAMPLE));
$('btn-broken').addEventListener('click', () => (manifest.value = BROKEN));
$('btn-apply').addEventListener('click', async () => {
  const btn = /** @type {HTMLButtonElement} */ ($('btn-apply'));
  btn.disabled = true;
  $('result').innerHTML = `<div>applying…${state.status?.paused ? ' (virtual time is paused: press Play or Step)' : ''}</div>`;
  const r = await request({ type: 'apply', manifest: manifest.value });
  btn.disabled = false;
  showResult(r);
  // its flow is selected: the first refused object's (its request and the API server's answer),
  // else the first object's
  const items = (r.items ?? []).filter((/** @type {any} */ i) => i.flow);
  const pick = items.find((/** @type {any} */ i) => !i.ok) ?? items[0];
  if (pick) focusFlow(pick.flow);
  $('result').scrollIntoView({ block: 'nearest' });
});

for (const b of document.querySelectorAll('[data-fault]')) {
  b.addEventListener('click', async () => {
    const kind = b.getAttribute('data-fault');
    const node = /** @type {HTMLSelectElement} */ ($('fault-node')).value;
    const r = await request({ type: 'fault', kind, ...(kind?.endsWith('-node') ? { node } : {}) });
    showResult(r);
    if (r.ok && kind?.endsWith('-node')) {
      state.flowFilter = '';
      renderFlowOptions();
      dirty.filters = true;
      schedule();
    }
  });
}

$('result').addEventListener('click', (e) => {
  const m = /** @type {HTMLElement} */ (e.target).closest('.s-msg');
  if (m) m.classList.toggle('open');
});
