// @ts-check
/** The cluster as `kubectl get` prints it: the server's tables (src/api/printers.ts), coloured. */
import { esc } from './model.js';

/** Columns left out to keep the panel narrow (they are in the server's table). */
const HIDE = new Set(['NOMINATED NODE', 'READINESS GATES', 'SELECTOR', 'CONTAINERS', 'IMAGES', 'EXTERNAL-IP', 'IP']);

/** Which tables are shown, in order; the others only when they have rows. */
const ALWAYS = ['nodes', 'pods', 'deployments'];

function statusClass(/** @type {string} */ column, /** @type {string} */ cell) {
  if (column !== 'STATUS') return '';
  if (/^(Running|Ready|Completed|Succeeded)$/.test(cell)) return 'st-ok';
  if (/NotReady|Unknown|Error|CrashLoopBackOff|ErrImagePull|ImagePullBackOff|Failed|OOMKilled|Evicted|Invalid/.test(cell)) return 'st-bad';
  return 'st-warn';
}

/**
 * @param {HTMLElement} el
 * @param {Record<string, { command: string, columns: string[], priorities: number[], rows: string[][] }>} tables
 * @param {Set<string>} seen row keys already shown (new rows flash)
 */
export function renderTables(el, tables, seen) {
  let h = '';
  for (const [key, t] of Object.entries(tables)) {
    if (!ALWAYS.includes(key) && t.rows.length === 0) continue;
    const cols = t.columns.map((c, i) => ({ c, i })).filter(({ c, i }) => !HIDE.has(c) && (t.priorities[i] === 0 || key === 'pods'));
    // leave NAMESPACE out when everything is in `default`
    const nsIdx = t.columns.indexOf('NAMESPACE');
    const allDefault = nsIdx >= 0 && t.rows.every((r) => r[nsIdx] === 'default');
    const shown = cols.filter(({ c }) => !(c === 'NAMESPACE' && allDefault));
    const command = allDefault ? t.command.replace(' -A', '') : t.command;
    h += `<div class="ktable" data-table="${esc(key)}"><div class="cmd">${esc(command)}</div>`;
    if (t.rows.length === 0) {
      h += `<div class="none">No resources found${allDefault || nsIdx < 0 ? '' : ''}</div></div>`;
      continue;
    }
    h += `<table><thead><tr>${shown.map(({ c }) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>`;
    const nameIdx = t.columns.indexOf('NAME');
    const ipIdx = key === 'pods' ? t.columns.indexOf('IP') : -1;
    for (const r of t.rows) {
      const rowKey = `${key}/${nsIdx >= 0 ? r[nsIdx] + '/' : ''}${r[nameIdx]}`;
      const isNew = !seen.has(rowKey);
      seen.add(rowKey);
      const title = ipIdx >= 0 ? ` title="IP ${esc(r[ipIdx] ?? '')}"` : '';
      h += `<tr data-row="${esc(rowKey)}"${isNew ? ' class="new"' : ''}${title}>`;
      for (const { c, i } of shown) h += `<td class="${statusClass(c, r[i] ?? '')}">${esc(r[i] ?? '')}</td>`;
      h += `</tr>`;
    }
    h += `</tbody></table></div>`;
  }
  el.innerHTML = h;
}
