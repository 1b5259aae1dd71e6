/**
 * End to end in a real headless Chromium: the page connects, a pod created from the page reaches
 * Running in the cluster table, its statechart shows the active state, the sequence diagram shows
 * the create-pod flow (kubectl → api-server → etcd → scheduler → kubelet → pod …), a click on a
 * message shows its payload; the screenshot is saved as docs/inspector.png. With a highly
 * available control plane: one box per control-plane node, the etcd leader and term, the Lease
 * holders; the etcd leader's node crashed from the page's fault controls shows a new leader of a
 * higher term; that screenshot is docs/inspector-ha.png. With 50 worker nodes: every node's tile
 * (name and state) and the whole control plane inside the window without scrolling, a crashed
 * node standing out, at 1600×1000 and 1280×720; that screenshot is docs/inspector-50-nodes.png.
 *
 * Chromium must be at /usr/bin/chromium (CI installs it). Without it this test fails, on
 * purpose: a skipped browser test would hide a broken CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startInspector, type Inspector } from '../../src/inspector/server.js';
import { applyManifest, DEMO_MANIFEST } from '../../src/inspector/apply.js';
import { eventually } from './ws-client.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = path.join(ROOT, 'docs', 'inspector.png');
const SCREENSHOT_HA = path.join(ROOT, 'docs', 'inspector-ha.png');
const SCREENSHOT_50 = path.join(ROOT, 'docs', 'inspector-50-nodes.png');
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the inspector's browser test cannot run. ` +
        `Install it (Debian/Ubuntu: apt-get install chromium) — this test fails rather than skips so that a CI without a browser is noticed.`,
    );
  }
}

describe('inspector page in Chromium', { timeout: 120_000 }, () => {
  let insp: Inspector | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    insp = await startInspector({ port: 0, speed: 3, cluster: { seed: 11, nodes: 3 } });
    await eventually(() => insp!.cluster.objects('nodes').length === 3, 30_000, 'three nodes');
    const demo = await applyManifest(insp.cluster.client, DEMO_MANIFEST);
    expect(demo.ok).toBe(true);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'kube-actors-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: BROWSER_ARGS,
      viewport: { width: 1600, height: 1000 },
      deviceScaleFactor: 1,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await insp?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('creates a pod from the page and shows it running, its statechart and its flow', async () => {
    await page.goto(insp!.url);
    await page.waitForSelector('#conn.open', { timeout: 15_000 });
    // the architecture band: control plane and the three worker nodes with their components
    for (const key of ['api-server', 'etcd', 'scheduler', 'controller-manager', 'kubectl', 'kubelet/node-1', 'kube-proxy/node-2', 'container-runtime/node-3']) {
      await page.waitForSelector(`#arch [data-actor="${key}"]`, { timeout: 15_000 });
    }
    expect(await page.locator('#arch .zone.worker').count()).toBe(3);
    // the demo's pods run, and the kubectl tables show them
    await page.waitForSelector('[data-table="deployments"] tr[data-row="deployments/default/nginx-deployment"]', { timeout: 30_000 });

    // create a pod from the page
    await page.fill('#pod-name', 'web');
    await page.fill('#pod-image', 'nginx:1.14.2');
    await page.click('#btn-create');
    await page.waitForSelector('#result .ok', { timeout: 20_000 });
    expect(await page.textContent('#result')).toContain('pod/web created');

    // it reaches Running in the cluster table
    const row = page.locator('[data-table="pods"] tr[data-row="pods/default/web"]');
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(async () => row.textContent(), { timeout: 30_000, interval: 200 }).toContain('Running');
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('web');
    expect(cells).toContain('1/1');
    expect(cells.some((c) => /^node-[123]$/.test(c))).toBe(true);

    // its actor sits in its node's box, and its statechart shows the active state
    const podBox = page.locator('#arch .zone.worker [data-actor="pod/default/web"]');
    await podBox.waitFor({ timeout: 15_000 });
    await expect.poll(async () => page.textContent('#chart-title'), { timeout: 15_000 }).toContain('pod/default/web');
    await page.waitForSelector('#chart svg.chart g.sc-state[data-path="syncing"]', { timeout: 15_000 });
    await page.waitForSelector('#chart svg.chart g.sc-state.sc-atomic.active[data-path="syncing.containers"]', { timeout: 30_000 });
    expect(await page.textContent('#chart-value')).toContain('containers');
    const activeAtomic = await page.locator('#chart svg.chart g.sc-state.sc-atomic.active').count();
    expect(activeAtomic).toBe(1);
    // transitions are labelled with their events
    expect(await page.locator('#chart svg.chart g.sc-edge[data-event="pod.kill"]').count()).toBeGreaterThan(0);

    // the sequence diagram shows the create-pod flow between the components
    const flow = 'create pods default/web';
    await expect.poll(async () => page.locator('#flow-filter').inputValue(), { timeout: 5_000 }).toBe(flow);
    await page.waitForSelector(`#seq g.m-row[data-flow="${flow}"][data-to^="pod/default/web"], #seq g.m-row[data-flow="${flow}"][data-from^="pod/default/web"]`, { timeout: 30_000 });
    const hops = await page.$$eval(`#seq g.m-row[data-flow="${flow}"]`, (rows) => rows.map((r) => `${r.getAttribute('data-from')}>${r.getAttribute('data-to')}`));
    const at = (re: RegExp) => hops.findIndex((h) => re.test(h));
    const order = [/^kubectl>api-server$/, /^api-server>etcd$/, /^api-server>scheduler$/, /^scheduler>api-server$/, /^api-server>kubelet\/node-\d$/, /^kubelet\/node-\d>pod\/default\/web$|^pod\/default\/web>/];
    const positions = order.map(at);
    for (let i = 0; i < order.length; i++) expect(positions[i], `${order[i]} in ${hops.join(', ')}`).toBeGreaterThanOrEqual(0);
    expect(positions[0]).toBe(0);
    expect(positions[1]).toBeLessThan(positions[3]!);
    expect(positions[3]).toBeLessThan(positions[4]!);
    // lifelines for each component of the flow
    for (const l of ['kubectl', 'api-server', 'etcd', 'scheduler']) expect(await page.locator(`#seq [data-lifeline="${l}"]`).count(), l).toBe(1);
    // the lifelines that do not fit the panel are summarised at its edge: every row still draws
    // its arrow, the ones to a lifeline out of view end at the edge and name it
    const kubelet = (await page.locator(`#seq g.m-row[data-flow="${flow}"][data-to^="kubelet/node-"]`).first().getAttribute('data-to'))!;
    expect(await page.locator(`#seq [data-lifeline="${kubelet}"], #seq [data-edge][data-hidden~="${kubelet}"]`).count()).toBe(1);
    expect(await page.$$eval('#seq g.m-row', (rows) => rows.filter((r) => !r.querySelector('.m-line')).map((r) => r.getAttribute('data-seq')))).toEqual([]);
    if (await page.locator(`#seq [data-edge="right"][data-hidden~="${kubelet}"]`).count()) {
      const node = kubelet.slice('kubelet/'.length);
      expect(await page.locator(`#seq g.m-row[data-flow="${flow}"][data-to="${kubelet}"] .m-text`).first().textContent()).toContain(`⇢ kubelet ${node}`);
      // a click on the edge brings its lifelines into view
      await page.click('#seq [data-edge="right"]');
      await page.waitForSelector(`#seq [data-lifeline="${kubelet}"]`, { timeout: 5_000 });
      expect(await page.locator('#seq [data-edge="left"]').count()).toBe(1);
      await page.click('#seq [data-edge="left"]');
      await page.waitForSelector('#seq [data-lifeline="kubectl"]', { timeout: 5_000 });
    }

    // a click on the first message shows its payload
    await page.locator(`#seq g.m-row[data-flow="${flow}"]`).first().click();
    await page.waitForSelector('#payload:not([hidden]) pre', { timeout: 10_000 });
    const payload = await page.textContent('#payload pre');
    expect(payload).toContain('"type": "api.request"');
    expect(payload).toContain('"verb": "create"');
    expect(payload).toContain('"name": "web"');
    // the clicked message stays in view while new messages arrive (follow stops)
    const clicked = await page.locator(`#seq g.m-row[data-flow="${flow}"]`).first().getAttribute('data-seq');
    expect(await page.isChecked('#follow')).toBe(false);
    const received = await page.evaluate(() => (window as any).inspector.state.messages.length as number);
    await page.waitForFunction((n) => (window as any).inspector.state.messages.length > n + 20, received, { timeout: 20_000 });
    expect(await rowInView(page, Number(clicked))).toBe(true);

    // pause and step from the page: every step shows what it delivered, heartbeats included
    await page.click('#btn-play');
    await expect.poll(async () => (await page.textContent('#btn-play'))?.trim(), { timeout: 5_000 }).toBe('Play');
    expect(await page.isChecked('#hide-noise')).toBe(true);
    let heartbeats = 0;
    for (let i = 0; i < 40 && heartbeats === 0; i++) {
      const total = insp!.cluster.kernel.trace.total;
      await page.click('#btn-step');
      await eventually(() => insp!.cluster.kernel.trace.total === total + 1, 5_000, 'one stepped message');
      const note = page.locator('#step-info');
      await expect.poll(async () => note.textContent(), { timeout: 5_000 }).toContain(`Stepped #${total} `);
      // its row is drawn (whatever the filters), marked, selected and in view; its payload is open
      await page.waitForSelector(`#seq g.m-row.stepped.sel[data-seq="${total}"]`, { timeout: 5_000 });
      expect(await rowInView(page, total)).toBe(true);
      await expect.poll(async () => page.textContent('#payload .p-head'), { timeout: 5_000 }).toContain(`#${total}`);
      if ((await note.textContent())!.includes('drawn although heartbeats are hidden')) heartbeats++;
    }
    expect(heartbeats, 'a stepped heartbeat is shown although heartbeats are hidden').toBe(1);
    await page.click('#btn-play');
    await expect.poll(async () => (await page.textContent('#btn-play'))?.trim(), { timeout: 5_000 }).toBe('Pause');

    // the start of the flow with the payload of the write to etcd: the view of the screenshot
    await page.uncheck('#follow');
    await page.$eval('#seq', (el) => (el.scrollTop = 0));
    await page.locator(`#seq g.m-row[data-flow="${flow}"][data-to="etcd"]`).first().click();
    await page.waitForSelector('#payload:not([hidden]) pre', { timeout: 10_000 });
    await page.waitForTimeout(400);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // the statechart: a wheel notch zooms by about 10%, toward the cursor; the panel maximises
    const chart = page.locator('#chart');
    const box = (await chart.boundingBox())!;
    const k0 = await page.evaluate(() => (window as any).inspector.state.view.k as number);
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 3);
    await page.mouse.wheel(0, -100);
    await expect.poll(async () => page.evaluate(() => (window as any).inspector.state.view.k as number)).toBeGreaterThan(k0);
    const k1 = await page.evaluate(() => (window as any).inspector.state.view.k as number);
    expect(k1 / k0).toBeGreaterThan(1.05);
    expect(k1 / k0).toBeLessThan(1.15);
    await page.click('#chart-max');
    await expect.poll(async () => (await chart.boundingBox())!.width).toBeGreaterThan(1400);
    expect(await page.locator('#seq').isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await chart.boundingBox())!.width).toBeLessThan(700);

    // a refused apply selects its flow and shows the Status without squeezing the tables
    const tablesBefore = (await page.locator('#tables').boundingBox())!.height;
    await page.click('.tab[data-tab="apply"]');
    await page.click('#btn-broken');
    await page.click('#btn-apply');
    await page.waitForSelector('#result .status-box', { timeout: 20_000 });
    expect(await page.textContent('#result .status-box .s-head')).toContain('422 Invalid');
    await expect.poll(async () => page.locator('#flow-filter').inputValue(), { timeout: 5_000 }).toBe('apply pods default/Bad_Name');
    await page.waitForSelector('#seq g.m-row[data-flow="apply pods default/Bad_Name"]', { timeout: 10_000 });
    const status = (await page.locator('#result .status-box .s-head').boundingBox())!;
    expect(status.y + status.height).toBeLessThanOrEqual(1000);
    const tablesAfter = (await page.locator('#tables').boundingBox())!.height;
    // the tables keep their height, or at least the half of the side panel the layout promises them
    // (a panel that grew with the control plane's controllers may leave them a little under 300 px)
    const sidePanel = (await page.locator('.side-panel').boundingBox())!.height;
    expect(tablesAfter).toBeGreaterThanOrEqual(Math.min(tablesBefore, 300, Math.floor(sidePanel / 2) - 1));
    expect(pageErrors).toEqual([]);
  });

  it("shows the log of a pod's container when its row is picked, with virtual times, following", async () => {
    await page.click('[data-table="pods"] tr[data-row="pods/default/web"]');
    await page.waitForSelector('#logs:not([hidden]) .lg-lines', { timeout: 15_000 });
    await expect.poll(async () => page.textContent('#logs .lg-lines'), { timeout: 15_000 }).toContain('Configuration complete; ready for start up');
    expect(await page.locator('#logs .lg-container').inputValue()).toBe('web');
    expect(await page.textContent('#logs .lg-state')).toBe('following');
    expect(await page.textContent('#logs .lg-lines')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
    expect(pageErrors).toEqual([]);
  });
});

/** Whether a message's row in the sequence diagram is within the diagram's visible part. */
async function rowInView(page: Page, seq: number): Promise<boolean> {
  return page.$eval('#seq', (el, s) => {
    const row = el.querySelector(`g.m-row[data-seq="${s}"] .m-bg`);
    if (!row) return false;
    const r = row.getBoundingClientRect();
    const v = el.getBoundingClientRect();
    const head = el.querySelector<HTMLElement>('.seq-head')?.offsetHeight ?? 0;
    return r.top >= v.top + head - 1 && r.bottom <= v.top + el.clientHeight + 1;
  }, seq);
}

describe('inspector page in Chromium, highly available control plane', { timeout: 120_000 }, () => {
  let insp: Inspector | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const CP = ['control-plane-1', 'control-plane-2', 'control-plane-3'];

  beforeAll(async () => {
    requireChromium();
    insp = await startInspector({ port: 0, speed: 3, cluster: { seed: 11, nodes: 2, controlPlane: { nodes: 3 } } });
    await eventually(() => insp!.cluster.objects('nodes').length === 2, 30_000, 'two worker nodes');
    await eventually(() => insp!.cluster.controlPlane!.status().leases.every((l) => l.acting.length === 1), 30_000, 'both Leases acted on');
    const demo = await applyManifest(insp.cluster.client, DEMO_MANIFEST);
    expect(demo.ok).toBe(true);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'kube-actors-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await insp?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows each control-plane node, the etcd leader and term, the Lease holders, and a failover after a crash from the page', async () => {
    await page.goto(insp!.url);
    await page.waitForSelector('#conn.open', { timeout: 15_000 });
    // one box per control-plane node, each with its etcd member, API server and electors
    await page.waitForSelector('#arch .cp-node', { timeout: 15_000 });
    expect(await page.locator('#arch .cp-node').count()).toBe(3);
    for (const n of CP) {
      for (const key of [`node/${n}`, `etcd/${n}`, `api-server/${n}`, `leader-elector/kube-scheduler/${n}`, `leader-elector/kube-controller-manager/${n}`]) {
        expect(await page.locator(`#arch [data-cp-node="${n}"] [data-actor="${key}"]`).count(), key).toBe(1);
      }
    }
    // control-plane nodes are not drawn as workers (the wide control plane leaves room for one
    // worker box: each worker is a tile, the picked one expanded); the balancer sits at api-server
    expect(await page.locator('#arch [data-node-tile]').count()).toBe(2);
    expect(await page.locator('#arch .zone.worker').count()).toBe(1);
    expect(await page.locator('#arch [data-actor="api-server"][data-kind="load-balancer"]').count()).toBe(1);
    expect(await page.textContent('#cluster-info')).toContain('3 control-plane nodes');

    // the etcd leader and its term, as the cluster says
    const before = insp!.cluster.controlPlane!.status();
    const leaderNode = before.etcd.leader!.slice('etcd/'.length);
    await expect.poll(async () => page.textContent('[data-cp-value="etcd-leader"]'), { timeout: 10_000 }).toBe(leaderNode);
    expect(await page.textContent('[data-cp-value="etcd-term"]')).toBe(`term ${before.etcd.term}`);
    expect(await page.locator(`#arch .cp-node.etcd-leader[data-cp-node="${leaderNode}"]`).count()).toBe(1);
    expect(await page.textContent(`#arch [data-cp-node="${leaderNode}"] [data-actor="etcd/${leaderNode}"] .badge`)).toBe(`leader · term ${before.etcd.term}`);
    // who holds each Lease, and the elector that leads on that node
    for (const lease of before.leases) {
      expect(await page.textContent(`[data-lease-holder="${lease.name}"]`)).toBe(lease.holderNode);
      expect(await page.textContent(`#arch [data-cp-node="${lease.holderNode}"] [data-actor="leader-elector/${lease.name}/${lease.holderNode}"] .badge`)).toBe('leading');
    }

    // crash the etcd leader's node from the Faults tab: control-plane nodes are in the list
    await page.click('.tab[data-tab="faults"]');
    expect(await page.locator('#fault-node optgroup[label="control-plane nodes"] option').allTextContents()).toEqual(CP);
    await page.selectOption('#fault-node', leaderNode);
    await page.click('[data-fault="crash-node"]');
    await page.waitForSelector('#result .ok', { timeout: 10_000 });
    expect(await page.textContent('#result')).toContain(`crash-node ${leaderNode}`);
    await page.waitForSelector(`#arch .cp-node.down[data-cp-node="${leaderNode}"]`, { timeout: 15_000 });
    // after the election: another node leads a higher term
    await expect.poll(async () => page.textContent('[data-cp-value="etcd-leader"]'), { timeout: 30_000, interval: 100 }).not.toMatch(new RegExp(`^(${leaderNode}|none.*)$`));
    const newLeader = (await page.textContent('[data-cp-value="etcd-leader"]'))!;
    expect(CP).toContain(newLeader);
    const term = Number((await page.textContent('[data-cp-value="etcd-term"]'))!.replace('term ', ''));
    expect(term).toBeGreaterThan(before.etcd.term);
    expect(insp!.cluster.controlPlane!.status().etcd.term).toBeGreaterThanOrEqual(term);
    expect(await page.locator(`#arch .cp-node.etcd-leader[data-cp-node="${newLeader}"]`).count()).toBe(1);
    expect(await page.textContent(`#arch [data-cp-node="${leaderNode}"] .badge.role-down`)).toBe('down');
    // the Leases end up acted on by live nodes (after the 15 s Lease duration when the crashed node held one)
    for (const lease of ['kube-scheduler', 'kube-controller-manager']) {
      await expect.poll(async () => page.textContent(`[data-lease="${lease}"] .badge`), { timeout: 40_000, interval: 200 }).toBe('acting');
      expect(await page.textContent(`[data-lease-holder="${lease}"]`)).not.toBe(leaderNode);
    }

    // the new leader's statechart
    await page.click(`#arch [data-actor="etcd/${newLeader}"]`);
    await expect.poll(async () => page.textContent('#chart-title'), { timeout: 15_000 }).toContain(`etcd/${newLeader}`);
    await page.waitForSelector('#chart svg.chart g.sc-state.active', { timeout: 15_000 });
    expect(await page.textContent('#chart-value')).toContain('leader');
    // the election in the sequence diagram: the etcd members' messages, from the first vote on
    await page.uncheck('#follow');
    for (const n of CP) await page.click(`#component-filter [data-component="etcd/${n}"]`);
    const vote = page.locator('#seq g.m-row[data-event="raft.vote"]').first();
    await vote.waitFor({ timeout: 10_000 });
    expect(await vote.getAttribute('data-from')).toMatch(/^etcd\/control-plane-[123]$/);
    // every row draws its arrow, also between lifelines out of view
    expect(await page.$$eval('#seq g.m-row', (rows) => rows.filter((r) => !r.querySelector('.m-line')).map((r) => r.getAttribute('data-seq')))).toEqual([]);
    await page.$eval('#seq', (el) => {
      const row = el.querySelector('g.m-row[data-event="raft.vote"]') as SVGGElement;
      el.scrollTop = row.getBBox().y;
    });
    // the elector of the controller manager's Lease holder, for the screenshot (a smaller machine than etcd's)
    const holder = (await page.textContent('[data-lease-holder="kube-controller-manager"]'))!;
    await page.click(`#arch [data-actor="leader-elector/kube-controller-manager/${holder}"]`);
    // the etcd member's chart is still up until the elector's arrives: wait for its title first
    await expect.poll(async () => page.textContent('#chart-title'), { timeout: 15_000 }).toContain(`leader-elector/kube-controller-manager/${holder}`);
    await page.waitForSelector('#chart svg.chart g.sc-state.active', { timeout: 15_000 });
    await expect.poll(async () => page.textContent('#chart-value'), { timeout: 10_000 }).toContain('leading');
    await page.waitForTimeout(400);
    mkdirSync(path.dirname(SCREENSHOT_HA), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_HA });
    expect(existsSync(SCREENSHOT_HA)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

describe('inspector page in Chromium, 50 worker nodes', { timeout: 180_000 }, () => {
  let insp: Inspector | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const NODES = Array.from({ length: 50 }, (_, i) => `node-${i + 1}`);
  const CONTROL_PLANE = ['kubectl', 'api-server', 'etcd', 'scheduler', 'controller-manager'];

  beforeAll(async () => {
    requireChromium();
    insp = await startInspector({ port: 0, speed: 3, cluster: { seed: 11, nodes: 50 } });
    await eventually(() => insp!.cluster.objects('nodes').length === 50, 60_000, 'fifty nodes');
    const demo = await applyManifest(insp.cluster.client, DEMO_MANIFEST);
    expect(demo.ok).toBe(true);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'kube-actors-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await insp?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows every node’s name and state and the whole control plane at once, a crashed node standing out, at 1600×1000 and 1280×720', async () => {
    await page.goto(insp!.url);
    await page.waitForSelector('#conn.open', { timeout: 15_000 });
    await expect.poll(async () => page.locator('#arch [data-node-tile]').count(), { timeout: 15_000 }).toBe(50);
    const controllers = (await page.locator('#arch [data-kind="controller"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-actor')!))).filter(Boolean);
    expect(controllers.length).toBeGreaterThanOrEqual(6);

    // crash a node from the Faults tab: its tile turns red and the band names it
    await page.click('.tab[data-tab="faults"]');
    await page.selectOption('#fault-node', 'node-7');
    await page.click('[data-fault="crash-node"]');
    await page.waitForSelector('#result .ok', { timeout: 10_000 });
    const crashed = page.locator('#arch [data-node-tile="node-7"]');
    await expect.poll(async () => crashed.getAttribute('class'), { timeout: 15_000 }).toContain('s-bad');
    expect(await crashed.textContent()).toContain('down');
    expect(await page.textContent('#arch .trouble')).toContain('node-7 down');
    const tileColour = await crashed.evaluate((el) => getComputedStyle(el).borderTopColor);
    const readyColour = await page.locator('#arch [data-node-tile="node-8"]').evaluate((el) => getComputedStyle(el).borderTopColor);
    expect(tileColour).not.toBe(readyColour);

    // everything at once, without scrolling the page or the band
    const check = async (width: number, height: number) => {
      const boxes = await page.evaluate(
        ({ nodes, keys }) => {
          const band = document.querySelector('section.arch')!.getBoundingClientRect();
          const out: { what: string; inside: boolean; text: string }[] = [];
          const inside = (el: Element | null) => {
            if (!el) return false;
            const r = el.getBoundingClientRect();
            // inside the window, the band, and every scrolling box around it
            let ok = r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.top >= band.top && r.bottom <= band.bottom + 0.5;
            for (let p = el.parentElement; p && ok; p = p.parentElement) {
              const st = getComputedStyle(p);
              if (/(auto|scroll|hidden)/.test(st.overflow + st.overflowX + st.overflowY)) {
                const c = p.getBoundingClientRect();
                ok = r.top >= c.top - 0.5 && r.bottom <= c.bottom + 0.5 && r.left >= c.left - 0.5 && r.right <= c.right + 0.5;
              }
            }
            return ok;
          };
          for (const n of nodes) {
            const tile = document.querySelector(`#arch [data-node-tile="${n}"]`);
            const name = tile?.querySelector('.tile-name');
            const state = tile?.querySelector('.state') as HTMLElement | null;
            // the name and the state are both readable: not cut off by the tile
            const whole = (e: HTMLElement | null | undefined) => !!e && e.scrollWidth <= e.clientWidth + 1;
            out.push({ what: n, inside: inside(tile) && whole(name as HTMLElement) && whole(state), text: `${name?.textContent} ${state?.textContent}` });
          }
          for (const k of keys) out.push({ what: k, inside: inside(document.querySelector(`#arch [data-actor="${k}"]`)), text: '' });
          return { out, scrollH: document.scrollingElement!.scrollHeight, scrollW: document.scrollingElement!.scrollWidth };
        },
        { nodes: NODES, keys: [...CONTROL_PLANE, ...controllers] },
      );
      expect(boxes.scrollH, 'the page does not scroll').toBeLessThanOrEqual(height);
      expect(boxes.scrollW, 'the page does not scroll sideways').toBeLessThanOrEqual(width);
      for (const b of boxes.out) expect(b.inside, `${b.what} visible at ${width}×${height}`).toBe(true);
      for (const b of boxes.out.slice(0, NODES.length)) expect(b.text).toMatch(new RegExp(`^${b.what} (ready|down)$`));
      expect(boxes.out.find((b) => b.what === 'node-7')!.text).toBe('node-7 down');
    };
    await check(1600, 1000);

    // a tile expands its node: its box with its components and pods, and its statechart
    await page.click('#arch [data-node-tile="node-12"]');
    await page.waitForSelector('#arch .zone.worker[data-node="node-12"] [data-actor="kubelet/node-12"]', { timeout: 10_000 });
    expect(await page.locator('#arch .zone.worker').count()).toBe(1);
    await expect.poll(async () => page.textContent('#chart-title'), { timeout: 15_000 }).toContain('node/node-12');
    await page.waitForSelector('#chart svg.chart g.sc-state.active', { timeout: 15_000 });
    // the crashed node's chip in the band's title expands it
    await page.click('#arch .trouble-node[data-node-pick="node-7"]');
    await page.waitForSelector('#arch .zone.worker.down[data-node="node-7"]', { timeout: 10_000 });
    await expect.poll(async () => page.textContent('#chart-title'), { timeout: 15_000 }).toContain('node/node-7');
    await page.waitForSelector('#chart svg.chart g.sc-state.active', { timeout: 15_000 });
    await page.waitForTimeout(400);
    mkdirSync(path.dirname(SCREENSHOT_50), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_50 });
    expect(existsSync(SCREENSHOT_50)).toBe(true);

    // a laptop: the control plane and the crashed node in view, the nodes in a scrolling grid,
    // the panels usable
    await page.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(async () => page.evaluate(() => document.scrollingElement!.scrollHeight), { timeout: 5_000 }).toBeLessThanOrEqual(720);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(1280);
    for (const k of [...CONTROL_PLANE, ...controllers]) {
      const b = (await page.locator(`#arch [data-actor="${k}"]`).first().boundingBox())!;
      expect(b.y + b.height, k).toBeLessThanOrEqual(720);
      expect(b.x + b.width, k).toBeLessThanOrEqual(1280);
    }
    const trouble = (await page.locator('#arch .trouble-node[data-node-pick="node-7"]').boundingBox())!;
    expect(trouble.y + trouble.height).toBeLessThanOrEqual(720);
    for (const panel of ['#chart', '#seq', '#tables']) {
      const b = (await page.locator(panel).boundingBox())!;
      expect(b.height, panel).toBeGreaterThanOrEqual(150);
      expect(b.width, panel).toBeGreaterThanOrEqual(250);
    }
    // a tile further down is reached by scrolling the grid, and expands its node
    await page.locator('#arch [data-node-tile="node-50"]').click();
    await page.waitForSelector('#arch .zone.worker[data-node="node-50"]', { timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  });
});
