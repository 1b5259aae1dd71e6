// @ts-check
/**
 * The log pane of a container (the `logs` request): pick a pod in the pods table, then one of its
 * containers; the pane shows the lines its process wrote with their virtual times (as
 * `kubectl logs --timestamps`) and follows them: each status tick asks for the lines after the
 * last one shown, so it runs on the cluster's virtual time (paused: nothing new).
 */
import { esc } from './model.js';

/**
 * @param {HTMLElement} el
 * @param {(req: any) => Promise<any>} request
 */
export function createLogsView(el, request) {
  /** @type {string | null} */
  let pod = null;
  /** @type {string | undefined} */
  let container;
  let next = 0;
  let busy = false;
  let generation = 0;
  el.innerHTML = '';

  /** @param {any} a the answer */
  function head(a) {
    const options = (a.containers ?? []).map((/** @type {string} */ c) => `<option${c === a.container ? ' selected' : ''}>${esc(c)}</option>`).join('');
    return (
      `<div class="panel-head"><h2>Logs</h2><span class="panel-sub">${esc(pod ?? '')}</span>` +
      `<select class="lg-container" title="container">${options}</select><span class="lg-state">${a.ended ? 'ended' : a.error ? '' : 'following'}</span>` +
      `<span class="grow"></span><button class="lg-close" title="close">✕</button></div><pre class="lg-lines"></pre>`
    );
  }

  async function load(fresh = false) {
    if (!pod || busy) return;
    const mine = fresh ? ++generation : generation;
    busy = true;
    let a;
    try {
      a = await request({ type: 'logs', pod, ...(container ? { container } : {}), from: fresh ? 0 : next });
    } finally {
      busy = false;
    }
    if (mine !== generation) return;
    el.hidden = false;
    if (fresh) {
      el.innerHTML = head(a);
      container = a.container || container;
    }
    const pre = /** @type {HTMLElement} */ (el.querySelector('.lg-lines'));
    const state = /** @type {HTMLElement} */ (el.querySelector('.lg-state'));
    state.textContent = a.error ? '' : a.ended ? 'ended' : 'following';
    if (a.error) {
      pre.innerHTML = `<span class="none">${esc(a.error)}</span>`;
      next = 0;
      return;
    }
    if (fresh || pre.querySelector('.none')) pre.textContent = '';
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    if (a.lines.length) pre.append(a.lines.join('\n') + '\n');
    next = a.next;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }

  el.addEventListener('click', (e) => {
    if (/** @type {HTMLElement} */ (e.target).closest('.lg-close')) {
      pod = null;
      el.hidden = true;
    }
  });
  el.addEventListener('change', (e) => {
    const t = /** @type {HTMLSelectElement} */ (e.target);
    if (!t.classList.contains('lg-container')) return;
    container = t.value;
    load(true);
  });
  return {
    /** @param {string} p `namespace/name` */
    show(p) {
      if (p === pod) return load();
      pod = p;
      container = undefined;
      return load(true);
    },
    /** The next lines of the container shown (a status tick). */
    refresh() {
      return load();
    },
    get pod() {
      return pod;
    },
  };
}
