// Browser tests of the viewer (dist/viewer, built by `cargo xtask viewer`), in Debian's Chromium.
// Run: scripts/test-viewer.sh (or `node --test` here once dist/viewer exists).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  ARTIFACTS, FIXTURES, HERE, start, openViewer, openPage, reportShown, clearReportMark, fixture, dropFiles, shownCodes,
} from './harness.mjs';

const SECRET_TOKEN = 'e2e-very-secret-token-value-0042';
const SECRET_TOKEN_B64 = Buffer.from(SECRET_TOKEN).toString('base64');
// The app's own static files: nothing else may be requested.
const OWN_FILES = ['', 'index.html', 'boot.js', 'viewer.js', 'viewer_bg.wasm.js', 'worker.js', 'style.css', 'favicon.svg'];

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

function assertOnlyOwnFiles(requests) {
  for (const url of requests) {
    const u = new URL(url);
    assert.equal(u.origin, env.base, `request off the app's origin: ${url}`);
    assert.ok(u.pathname.startsWith('/viewer/'), `request outside the app: ${url}`);
    assert.ok(OWN_FILES.includes(u.pathname.slice('/viewer/'.length)), `request for a file the app does not ship: ${url}`);
  }
}

/** The place the first ST001 row of the findings list shows. */
async function st001Row(page) {
  return page.locator('button.finding[data-code="ST001"] .where').first().innerText();
}

async function assertClean(handle) {
  assert.deepEqual(handle.foreign, [], 'requests to other origins');
  assert.deepEqual(await handle.page.evaluate(() => window.__csp), [], 'CSP violations');
  assert.deepEqual(handle.errors, [], 'console errors');
}

test('a multi-file drop gives findings, diagnostics next to them, and no request at all', async () => {
  const h = await openViewer(env);
  const { page } = h;
  // Everything the page loads, it loads before any input: the worker is up and idle.
  await page.waitForLoadState('networkidle');
  const before = h.requests.length;
  await dropFiles(page, [
    { name: 'apiserver.yaml', text: fixture('apiserver.yaml') },
    { name: 'secrets.yaml', text: fixture('secrets.yaml') },
    { name: 'broken.yaml', text: fixture('broken.yaml') },
  ]);
  await reportShown(page);
  assert.deepEqual(h.requests.slice(before), [], 'the page made requests while analysing');
  assertOnlyOwnFiles(h.requests);

  assert.ok((await shownCodes(page)).includes('ST001'), 'ST001 (token auth file) is listed');
  const st001 = page.locator('button.finding[data-code="ST001"]').first();
  assert.match(await st001.innerText(), /Pod\/kube-system\/kube-apiserver-cp-1/);
  assert.match(await st001.innerText(), /\/etc\/kubernetes\/tokens\.csv/);
  // The bad file is reported with its location, next to the report of the good ones.
  const diagnostics = await page.locator('#diagnostics').innerText();
  assert.match(diagnostics, /broken\.yaml:\d+/);
  assert.match(await page.locator('.intake .current').innerText(), /3 files/);
  // Inputs table lists every file with its object count.
  await page.click('#tab-coverage');
  const inputs = await page.locator('#input-table').innerText();
  assert.match(inputs, /apiserver\.yaml/);
  assert.match(inputs, /secrets\.yaml/);
  await assertClean(h);
  await h.context.close();
});

test('the file picker loads files and the detail panel shows a redacted excerpt and the rule docs', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.setInputFiles('#file-picker', [path.join(FIXTURES, 'apiserver.yaml'), path.join(FIXTURES, 'secrets.yaml')]);
  await reportShown(page);
  await page.locator('button.finding[data-code="ST001"]').first().click();
  const detail = page.locator('#detail');
  await detail.waitFor();
  await page.waitForSelector('#detail pre.excerpt .line.hit');
  // The highlighted line is the finding's own line of the file, numbered as in the file.
  // `path:line:column`, as the CLI and editors write it: the column of the flag on its line.
  const source = await page.locator('#detail .facts dd').nth(1).innerText();
  const [, file, line, column] = source.match(/^(.+):(\d+):(\d+)$/);
  assert.equal(file, 'apiserver.yaml');
  const hit = await page.locator('#detail pre.excerpt .line.hit').innerText();
  const expected = fixture('apiserver.yaml').split('\n')[Number(line) - 1];
  assert.equal(hit.replace(/^\d+/, '').trimEnd(), expected);
  assert.equal(Number(column), expected.indexOf('--token-auth-file') + 1, `column ${column} of ${expected}`);
  assert.ok((await st001Row(page)).endsWith(`${file}:${line}:${column}`), 'the row shows the same place');
  assert.equal(await page.locator('#detail pre.excerpt .line.hit .ln').innerText(), line);
  assert.match(await detail.innerText(), /What it does/);
  assert.match(await detail.innerText(), /How to fix/);
  // The selection is in the fragment.
  // The link names the finding by id, never the object or namespace (14.7).
  const hash = decodeURIComponent(new URL(page.url()).hash);
  assert.match(hash, /f=ST001-[0-9a-f]{12}\b/);
  assert.doesNotMatch(hash, /kube-apiserver-cp-1|kube-system/);
  // No secret value anywhere on any tab: not the token, not its base64.
  for (const tab of ['#tab-findings', '#tab-mechanisms', '#tab-credentials', '#tab-coverage']) {
    await page.click(tab);
    const html = await page.content();
    assert.ok(!html.includes(SECRET_TOKEN), `secret token rendered on ${tab}`);
    assert.ok(!html.includes(SECRET_TOKEN_B64), `base64 secret token rendered on ${tab}`);
  }
  await assertClean(h);
  await h.context.close();
});

test('the ST001 excerpt of the sample highlights the --token-auth-file line and stays inside the Pod (14.2)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  await page.locator('button.finding[data-code="ST001"]').first().click();
  await page.waitForSelector('#detail pre.excerpt .line.hit');
  const sample = fs.readFileSync(path.join(FIXTURES, '../../../examples/sample-cluster.yaml'), 'utf8').split('\n');
  const hitNumber = Number(await page.locator('#detail pre.excerpt .line.hit .ln').innerText());
  // The flag's own line, not the Pod's `apiVersion: v1`.
  assert.match(sample[hitNumber - 1], /^\s*- --token-auth-file=/);
  const hit = await page.locator('#detail pre.excerpt .line.hit').innerText();
  assert.equal(hit.replace(/^\d+/, '').trimEnd(), sample[hitNumber - 1]);
  // Centred on it, and every line shown is the Pod's: none of the document before it.
  let podStart = hitNumber;
  while (podStart > 1 && sample[podStart - 2] !== '---') podStart -= 1;
  assert.equal(sample[podStart - 1], 'apiVersion: v1');
  assert.equal(sample[podStart], 'kind: Pod');
  const numbers = (await page.locator('#detail pre.excerpt .line .ln').allInnerTexts()).map(Number);
  assert.ok(numbers[0] >= podStart, `excerpt starts at ${numbers[0]}, before the Pod at ${podStart}`);
  const before = numbers.filter((n) => n < hitNumber).length;
  const after = numbers.filter((n) => n > hitNumber).length;
  assert.equal(before, Math.min(6, hitNumber - podStart));
  assert.ok(after > 0 && after <= 6, `${after} lines after the flag`);
  assert.doesNotMatch(await page.locator('#detail pre.excerpt').innerText(), /^\d*---$/m);
  await assertClean(h);
  await h.context.close();
});

test('pasted YAML is analysed', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('button[aria-controls="paste-form"]');
  await page.fill('#paste-text', fixture('apiserver.yaml'));
  await page.click('#paste-form button[type="submit"]');
  await reportShown(page);
  assert.ok((await shownCodes(page)).includes('ST001'));
  assert.match(await page.locator('.intake .current').innerText(), /pasted\.yaml/);
  await assertClean(h);
  await h.context.close();
});

test('the link scripts/viewer.sh prints (#sample=load) opens on the sample report without a click', async () => {
  const h = await openViewer(env, {}, '#sample=load');
  const { page } = h;
  await reportShown(page);
  const total = await page.locator('button.finding').count();
  assert.ok(total > 0, 'the sample report is on screen');
  assert.match(await page.locator('#result-count').innerText(), new RegExp(`^${total} of ${total} findings`));
  assert.match(await page.locator('.intake .current').innerText(), /sample cluster/);
  await assertClean(h);
  await h.context.close();
});

test('the sample cluster gives a full report; filters, grouping and the fragment work', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  const total = await page.locator('button.finding').count();
  assert.ok(total > 0, 'the sample has findings');
  const countText = async () => page.locator('#result-count').innerText();
  assert.match(await countText(), new RegExp(`^${total} of ${total} findings`));

  // Severity chip: only that severity remains, and the fragment says so.
  const severities = await page.$$eval('button.finding .sev', (els) => els.map((e) => e.textContent));
  const worst = severities[0];
  await page.click(`.chips button[data-severity="${worst}"]`);
  const filtered = await page.$$eval('button.finding .sev', (els) => els.map((e) => e.textContent));
  assert.ok(filtered.length > 0 && filtered.every((s) => s === worst));
  assert.equal(filtered.length, severities.filter((s) => s === worst).length);
  assert.match(new URL(page.url()).hash, new RegExp(`sev=${worst}`));

  // Rule filter, then free text that matches nothing.
  const code = (await shownCodes(page))[0];
  await page.selectOption('#filter-code', code);
  assert.ok((await shownCodes(page)).every((c) => c === code));
  await page.fill('#search', 'zz-no-such-thing-zz');
  assert.equal(await page.locator('button.finding').count(), 0);
  assert.match(await countText(), /^0 of/);
  await page.click('#result-count button.link'); // clear filters
  assert.equal(await page.locator('button.finding').count(), total);

  // Grouping by rule: one group header per distinct code.
  await page.selectOption('#group-by', 'code');
  const codes = new Set(await shownCodes(page));
  assert.equal(await page.locator('.group-head').count(), codes.size);

  // Keyboard: j selects the first finding, Escape closes it.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.waitForSelector('#detail');
  assert.match(new URL(page.url()).hash, /f=/);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'detached' });

  // A shared view: the fragment restores filters on a fresh page (data is loaded again).
  await page.click(`.chips button[data-severity="${worst}"]`);
  const shared = page.url();
  const h2 = await openPage(env);
  await h2.page.goto(shared);
  await h2.page.click('#sample-button');
  await reportShown(h2.page);
  assert.equal(await h2.page.locator('#group-by').inputValue(), 'code');
  const restored = await h2.page.$$eval('button.finding .sev', (els) => els.map((e) => e.textContent));
  assert.ok(restored.every((s) => s === worst));
  await h2.context.close();

  // Tabs follow the ARIA pattern: arrows move between them and the focus follows.
  await page.focus('#tab-findings');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#tab-mechanisms[aria-selected="true"]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-mechanisms');
  assert.match(new URL(page.url()).hash, /tab=mechanisms/);

  // Inventory: one row per mechanism of the guide.
  await page.click('#tab-mechanisms');
  assert.equal(await page.locator('#mechanism-table tbody tr').count(), 10);
  assert.equal(await page.locator('#mechanism-table tr[data-mechanism="static-token-file"]').count(), 1);
  await assertClean(h);
  await h.context.close();
});

/** Secret values of the sample's Secrets (base64 and decoded): none may ever be on screen. */
function sampleSecretValues(file = path.join(FIXTURES, '../../../examples/sample-cluster.yaml')) {
  const text = fs.readFileSync(file, 'utf8');
  const values = new Set();
  for (const doc of text.split(/^---$/m)) {
    if (!/^kind: Secret$/m.test(doc)) continue;
    let inData = false;
    for (const line of doc.split('\n')) {
      if (/^(data|stringData):\s*$/.test(line)) { inData = true; continue; }
      if (!/^\s/.test(line)) inData = false;
      const m = inData && line.match(/^ {2}([\w.-]+): (\S{6,})$/);
      if (!m || !/token-secret|^token$|password|key|secret|kubeconfig|credentials/i.test(m[1])) continue;
      values.add(m[2]);
      const decoded = Buffer.from(m[2], 'base64').toString('utf8');
      if (/^[\x20-\x7e]{6,}$/.test(decoded)) values.add(decoded);
    }
  }
  return [...values];
}

/** The page's HTML less the compiled-in rule docs (their examples may quote a weak secret). */
async function pageWithoutRuleDocs(page) {
  return page.evaluate(() => {
    const copy = document.documentElement.cloneNode(true);
    copy.querySelectorAll('#detail details.docs, #detail .rule-title').forEach((e) => e.remove());
    return copy.outerHTML;
  });
}

test('secret values of the sample never reach the page, whatever finding is opened', async () => {
  const secrets = sampleSecretValues();
  assert.ok(secrets.length >= 4, `the sample has secrets to look for (${secrets.length})`);
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  await page.selectOption('#filter-kind', 'Secret');
  const rows = page.locator('button.finding');
  const n = await rows.count();
  assert.ok(n > 0, 'the sample has findings on Secrets');
  for (let i = 0; i < n; i++) {
    await rows.nth(i).click();
    await page.waitForSelector('#detail pre.excerpt');
    const html = await pageWithoutRuleDocs(page);
    for (const secret of secrets) {
      const at = html.indexOf(secret);
      assert.ok(at < 0, `finding ${i}: secret value on screen: …${html.slice(Math.max(0, at - 300), at + 60)}…`);
    }
  }
  for (const tab of ['#tab-mechanisms', '#tab-credentials', '#tab-coverage']) {
    await page.click(tab);
    const html = await page.content();
    for (const secret of secrets) assert.ok(!html.includes(secret), `secret value on ${tab}`);
  }
  await assertClean(h);
  await h.context.close();
});

test('exports are produced locally in every format', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  const total = await page.locator('button.finding').count();
  const before = h.requests.length;
  const fetchExport = async (format) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-export="${format}"]`)]);
    const file = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
  };
  const json = await fetchExport('json');
  assert.equal(json.name, 'authn-audit-report.json');
  assert.equal(JSON.parse(json.text).findings.length, total);
  const sarif = JSON.parse((await fetchExport('sarif')).text);
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0].results.length, total);
  assert.match((await fetchExport('markdown')).text, /^# /m);
  const html = await fetchExport('html');
  assert.match(html.text, /^<!doctype html>/i);
  assert.ok(!/<script[^>]+src=|<link[^>]+href="http/i.test(html.text), 'the HTML report is self-contained');
  assert.deepEqual(h.requests.slice(before).filter((u) => !u.startsWith('blob:')), [], 'exports made requests');
  await assertClean(h);
  await h.context.close();
});

test('the embed page mounts the viewer in prose and loads a same-origin dump', async () => {
  const h = await openPage(env);
  const { page } = h;
  await page.goto(`${env.base}/examples/embed.html`);
  const frames = page.locator('iframe.authn-audit-frame');
  await frames.first().waitFor();
  assert.equal(await frames.count(), 2);
  // The first embed loads its dump by URL; it is compact and has no sample button.
  const first = page.frameLocator('iframe.authn-audit-frame >> nth=0');
  await first.locator('html[data-report-ms]').waitFor({ timeout: 60_000 });
  assert.ok((await first.locator('button.finding').count()) > 0);
  assert.equal(await first.locator('#sample-button').count(), 0);
  assert.equal(await first.locator('.masthead').count(), 0);
  assert.equal(await first.locator('.app.compact').count(), 1);
  // The second offers the sample.
  const second = page.frameLocator('iframe.authn-audit-frame >> nth=1');
  await second.locator('#sample-button').click();
  await second.locator('html[data-report-ms]').waitFor({ timeout: 60_000 });
  assert.ok((await second.locator('button.finding').count()) > 0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'embed.png'), fullPage: true });
  assert.deepEqual(h.foreign, []);
  assert.deepEqual(h.errors, []);
  await h.context.close();
});

test('a host that posts its dump the moment the frame starts does not wait for the warm-up, which stops; left alone, the warm-up runs to its end', async () => {
  const h = await openPage(env);
  const { page } = h;
  await page.goto(`${env.base}/examples/embed.html`);
  // The first embed's host posts its dump as soon as the frame says it started: the warm-up has
  // hardly begun when it arrives.
  const first = page.frameLocator('iframe.authn-audit-frame >> nth=0');
  const second = page.frameLocator('iframe.authn-audit-frame >> nth=1');
  await first.locator('html[data-report-ms]').waitFor({ timeout: 60_000 });
  const waited = Number(await first.locator('html').getAttribute('data-wait-ms'));
  // The second embed is left alone: its worker warms up to the end and says how long it took.
  await second.locator('html[data-warm-up-ms]').waitFor({ timeout: 60_000 });
  const whole = Number(await second.locator('html').getAttribute('data-warm-up-ms'));
  const slices = Number(await second.locator('html').getAttribute('data-warm-up-slices'));
  assert.ok(slices > 1, `warm-up slices: ${slices}`);
  assert.ok(whole > 0, `whole warm-up: ${whole} ms`);
  // Not held up by the whole warm-up (both frames share the machine's load). A quarter of it was
  // too tight a bound: on an idle machine waits of 296 and 356 ms were seen against warm-ups of
  // 930-990 ms (1 run in 4), so the wait holds more than the slice in progress.
  assert.ok(waited < whole, `the host's dump waited ${waited} ms; the whole warm-up takes ${whole} ms`);
  // And the warm-up the dump stopped never resumed.
  await page.waitForTimeout(500);
  assert.equal(await first.locator('html[data-warm-up-ms]').count(), 0, 'the warm-up ran on after a request');
  assert.ok((await first.locator('button.finding').count()) > 0);
  assert.deepEqual(h.foreign, []);
  assert.deepEqual(h.errors, []);
  await h.context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`screenshot of the report (${scheme})`, async () => {
    const h = await openViewer(env, { colorScheme: scheme, viewport: { width: 1440, height: 1000 } });
    const { page } = h;
    await page.click('#sample-button');
    await reportShown(page);
    await page.locator('button.finding').first().click();
    await page.waitForSelector('#detail pre.excerpt');
    await page.screenshot({ path: path.join(ARTIFACTS, `report-${scheme}.png`), fullPage: false });
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    // Light is near-white, dark near-black: the page follows the system.
    const [r] = bg.match(/\d+/g).map(Number);
    assert.ok(scheme === 'light' ? r > 200 : r < 60, `background ${bg} for ${scheme}`);
    await page.click('#tab-credentials');
    await page.screenshot({ path: path.join(ARTIFACTS, `credentials-${scheme}.png`), fullPage: false });
    await assertClean(h);
    await h.context.close();
  });
}

test('half a laptop screen: one column, nothing overflows', async () => {
  const h = await openViewer(env, { viewport: { width: 720, height: 900 } });
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  await page.locator('button.finding').first().click();
  await page.waitForSelector('#detail pre.excerpt');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'report-narrow.png'), fullPage: false });
  await h.context.close();
});

/** A kubectl-shaped List of `n` objects for namespace `ns`: service accounts, each with a legacy token Secret. */
function tokenDump(ns, n) {
  const out = ['apiVersion: v1', 'kind: List', 'items:'];
  for (let i = 0; i < n; i++) {
    out.push('- apiVersion: v1', '  kind: ServiceAccount', '  metadata:', `    name: sa-${i}`, `    namespace: ${ns}`);
    if (i % 4 === 0) {
      out.push('- apiVersion: v1', '  kind: Secret', '  metadata:', `    name: sa-${i}-token`, `    namespace: ${ns}`,
        '    annotations:', `      kubernetes.io/service-account.name: sa-${i}`, '  type: kubernetes.io/service-account-token',
        '  data:', `    token: ${Buffer.from(`tok-${ns}-${i}`).toString('base64')}`);
    }
  }
  return out.join('\n') + '\n';
}

/** One kubectl-shaped List of `n` ConfigMaps (about 190 bytes each): big, and quick to check. */
function configMapDump(n) {
  const out = ['apiVersion: v1', 'kind: List', 'items:'];
  for (let i = 0; i < n; i++) {
    out.push('- apiVersion: v1', '  kind: ConfigMap', '  metadata:', `    name: settings-${i}`, `    namespace: team-${i % 50}`,
      '  data:', `    LOG_LEVEL: info`, `    FEATURE_FLAGS: "search,export,compare-${i}"`, '    REGION: eu-west-1');
  }
  return out.join('\n') + '\n';
}

test('one big file shows its bytes and objects rising while it parses, not only the seconds', async () => {
  const h = await openPage(env);
  const { page } = h;
  await h.context.addInitScript(() => {
    window.__parsing = [];
    new MutationObserver(() => {
      const text = document.getElementById('progress-text')?.textContent;
      if (text?.startsWith('Parsing') && window.__parsing.at(-1) !== text) window.__parsing.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${env.base}/viewer/`);
  await page.waitForSelector('#dropzone');
  // Progress is posted at most every 50 ms, and the fast YAML reader parses this shape at
  // ~125 MB/s in the browser: 11.6 MB (60k objects) showed only two figures in a CI rehearsal.
  // 46 MB parses for ~0.4 s, several posts.
  const n = 240_000;
  const text = configMapDump(n);
  assert.ok(text.length > 40e6, `${text.length} bytes`);
  await dropFiles(page, [{ name: 'configmaps.yaml', text }]);
  await reportShown(page, 120_000);
  const texts = await page.evaluate(() => window.__parsing);
  // "Parsing 11.4 MB: 3.1 MB read, 16 500 objects · file 1 of 1 · then 40 rules · 1 s"
  const counts = texts.map((t) => t.match(/: ([\d.]+) (kB|MB) read, ([\d\u202f]+) objects · file 1 of 1 ·/))
    .filter(Boolean).map((m) => [Number(m[1]) * (m[2] === 'MB' ? 1e6 : 1e3), Number(m[3].replace(/\D/g, ''))]);
  assert.ok(new Set(counts.map(String)).size >= 3, `at least three different figures while parsing: ${texts.join(' | ')}`);
  for (let i = 1; i < counts.length; i++) {
    assert.ok(counts[i][0] >= counts[i - 1][0] && counts[i][1] > counts[i - 1][1], `bytes and objects rise: ${texts.join(' | ')}`);
  }
  assert.ok(counts.every(([bytes, objects]) => bytes < text.length && objects < n), texts.join(' | '));
  await assertClean(h);
  await h.context.close();
});

test('a big multi-file input shows live progress and a virtual findings list', async () => {
  const h = await openPage(env, { viewport: { width: 1440, height: 900 } });
  const { page } = h;
  // Record what the worker tells the page, and what the progress line says.
  await h.context.addInitScript(() => {
    window.__progress = [];
    window.__progressText = new Set();
    const Real = window.Worker;
    window.Worker = class extends Real {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          if (!Array.isArray(e.data) || typeof e.data[0] !== 'string') return;
          const header = JSON.parse(e.data[0]);
          if (header.type === 'progress') window.__progress.push(header);
        });
      }
    };
    new MutationObserver(() => {
      const p = document.getElementById('progress-text');
      if (p) window.__progressText.add(p.textContent);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${env.base}/viewer/`);
  await page.waitForSelector('#dropzone');
  await dropFiles(page, [
    { name: 'apiserver.yaml', text: fixture('apiserver.yaml') },
    ...['alpha', 'beta', 'gamma', 'delta'].map((ns) => ({ name: `${ns}.yaml`, text: tokenDump(ns, 2500) })),
  ]);
  await reportShown(page);

  const progress = await page.evaluate(() => window.__progress);
  const analysing = progress.filter((p) => p.phase === 'analysing');
  const sending = progress.find((p) => p.phase === 'sending');
  assert.ok(sending, 'a sending progress message');
  const objects = analysing.map((p) => p.objects);
  const rulesRun = analysing.map((p) => p.rulesRun);
  assert.deepEqual(objects, [...objects].sort((a, b) => a - b), `objects never go back: ${objects}`);
  assert.deepEqual(rulesRun, [...rulesRun].sort((a, b) => a - b), `rules run never go back: ${rulesRun}`);
  assert.equal(objects[0], 0);
  assert.equal(objects.at(-1), sending.objects, 'the last count is the report\'s');
  assert.ok(sending.objects > 12_500, `all objects parsed (${sending.objects})`);
  assert.equal(rulesRun[0], 0);
  assert.equal(rulesRun.at(-1), sending.rulesTotal);
  // Counts arrive while rules are still to run, not only at the end.
  assert.ok(analysing.some((p) => p.objects === sending.objects && p.rulesRun < p.rulesTotal), 'objects before rules');
  assert.ok(new Set(objects).size >= 2 && new Set(rulesRun).size >= 2, 'counts grow');
  const texts = [...await page.evaluate(() => [...window.__progressText])];
  assert.ok(texts.some((t) => /[1-9][\d\u202f,]* objects parsed/.test(t)), `objects shown: ${texts.join(' | ')}`);
  assert.ok(texts.some((t) => /\b\d+ of \d+ rules run/.test(t)), `rules shown: ${texts.join(' | ')}`);

  // The list is virtual: thousands of findings, a bounded number of rows in the document.
  const total = Number((await page.locator('#result-count').innerText()).match(/^([\d\u202f,]+) of/)[1].replace(/\D/g, ''));
  assert.ok(total > 2_000, `many findings (${total})`);
  const drawn = await page.locator('button.finding').count();
  assert.ok(drawn > 5 && drawn <= 80, `rows drawn: ${drawn}`);
  // Scrolling to the end draws the last row.
  await page.locator('.findings-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForSelector(`ol.findings li[aria-posinset="${total}"] button.finding`);
  assert.ok((await page.locator('button.finding').count()) <= 80);

  // Keyboard: j walks past the first screen; the selected row stays drawn, focused and in the URL.
  await page.locator('.findings-scroll').evaluate((el) => { el.scrollTop = 0; });
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  for (let i = 0; i < 40; i++) await page.keyboard.press('j');
  await page.waitForFunction(() => document.activeElement?.matches('button.finding.selected'));
  const key = await page.locator('button.finding.selected').getAttribute('data-key');
  assert.equal(await page.locator('button.finding.selected').evaluate((el) => el.closest('li').getAttribute('aria-posinset')), '40');
  assert.ok(decodeURIComponent(new URL(page.url()).hash).includes(`f=${key}`), 'selection in the fragment');
  const shared = page.url();

  // A shared link to a finding far down the list shows it once the data is loaded again.
  await page.keyboard.press('Escape');
  const h2 = await openPage(env);
  await h2.page.goto(shared);
  await dropFiles(h2.page, [
    { name: 'apiserver.yaml', text: fixture('apiserver.yaml') },
    ...['alpha', 'beta', 'gamma', 'delta'].map((ns) => ({ name: `${ns}.yaml`, text: tokenDump(ns, 2500) })),
  ]);
  await reportShown(h2.page);
  await h2.page.waitForSelector('#detail');
  assert.equal(await h2.page.locator('button.finding.selected').getAttribute('data-key'), key);
  await h2.context.close();
  await assertClean(h);
  await h.context.close();
});

test('a mechanism the dump cannot show is not assessable: grey, no number, never a pass (14.1)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  // A managed-cluster-style dump: a ServiceAccount and its token, no control-plane Pod.
  await dropFiles(page, [{ name: 'secrets.yaml', text: fixture('secrets.yaml') }]);
  await reportShown(page);
  const tile = (m) => page.locator(`.scores .score[data-mechanism="${m}"]`);
  for (const m of ['static-token-file', 'oidc', 'webhook', 'anonymous']) {
    assert.equal(await tile(m).getAttribute('data-verdict'), 'not-assessable', `${m} is not assessable`);
    const text = await tile(m).innerText();
    assert.doesNotMatch(text, /\d|passed/, `${m} shows no number and no pass: ${text}`);
    assert.match(text, /not assessable/);
  }
  assert.match(await tile('static-token-file').innerText(), /add .+ to the dump/);
  // Not drawn in the colour of a pass.
  const good = await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--good)';
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  });
  const drawn = await tile('static-token-file').locator('.value').evaluate((e) => getComputedStyle(e).color);
  assert.notEqual(drawn, good);
  // The overall posture and a legend say what the states mean.
  assert.match(await page.locator('#posture').innerText(), /^Rules: \d+ failed · \d+ passed · [1-9]\d* not assessable/);
  assert.match(await page.locator('#posture-legend').innerText(), /not assessable: the dump does not show it/);
  // The Mechanisms tab says the same.
  await page.click('#tab-mechanisms');
  assert.match(await page.locator('#mechanism-table tr[data-mechanism="static-token-file"]').innerText(), /not assessable/);
  assert.equal(await page.locator('#mechanism-table thead').getByText('Score').count(), 0);

  // With the API server that runs --token-auth-file, the same mechanism fails.
  await clearReportMark(page);
  await dropFiles(page, [{ name: 'apiserver.yaml', text: fixture('apiserver.yaml') }]);
  await reportShown(page);
  assert.equal(await tile('static-token-file').getAttribute('data-verdict'), 'failed');
  assert.match(await tile('static-token-file').innerText(), /rules: [1-9] failed/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'summary-posture.png'), fullPage: false });
  await assertClean(h);
  await h.context.close();
});

test('"as of" is on screen and settable, with the dump\'s newest timestamp suggested (14.3)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  const b64 = (s) => Buffer.from(s).toString('base64');
  // A dump taken on 2025-11-28 with a bootstrap token valid for 24 hours.
  const dump = [
    'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: bootstrap-token-abcdef', '  namespace: kube-system',
    '  creationTimestamp: "2025-11-28T09:00:00Z"', 'type: bootstrap.kubernetes.io/token', 'data:',
    `  token-id: ${b64('abcdef')}`, `  token-secret: ${b64('0123456789abcdef')}`,
    `  expiration: ${b64('2025-11-29T09:00:00Z')}`, `  usage-bootstrap-authentication: ${b64('true')}`, '',
  ].join('\n');
  await dropFiles(page, [{ name: 'taken-2025-11-28.yaml', text: dump }]);
  await reportShown(page);
  const status = async () => {
    await page.click('#tab-credentials');
    return page.locator('#credential-table tr[data-identity="system:bootstrap:abcdef"] .status').innerText();
  };
  // By default the browser's clock, shown as such.
  const year = new Date().getUTCFullYear();
  assert.match(await page.locator('#as-of-text').innerText(), new RegExp(`as of ${year}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`));
  assert.equal(await status(), 'expired');
  // The suggestion: the dump's own newest timestamp.
  const suggest = page.locator('#as-of-newest');
  assert.match(await suggest.innerText(), /2025-11-28 09:00 UTC/);
  await clearReportMark(page);
  await suggest.click();
  await reportShown(page);
  assert.match(await page.locator('#as-of-text').innerText(), /as of 2025-11-28 09:00 UTC/);
  assert.equal(await status(), 'valid');
  assert.equal(await page.locator('#as-of-newest').count(), 0, 'no suggestion of the instant already in use');
  // Typed in, as the CLI's --now (UTC).
  await clearReportMark(page);
  await page.fill('#as-of-input', '2025-12-01T00:00');
  await page.click('#as-of button[type="submit"]');
  await reportShown(page);
  assert.match(await page.locator('#as-of-text').innerText(), /as of 2025-12-01 00:00 UTC/);
  assert.equal(await status(), 'expired');
  // Every export states it.
  for (const format of ['json', 'markdown', 'html', 'sarif']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-export="${format}"]`)]);
    const file = path.join(ARTIFACTS, `as-of-${download.suggestedFilename()}`);
    await download.saveAs(file);
    assert.match(fs.readFileSync(file, 'utf8'), /2025-12-01T00:00:00Z/, `${format} export states the instant`);
  }
  await assertClean(h);
  await h.context.close();
});

/** axe-core's serious and critical violations on the page as it is, one line each. */
async function axeViolations(page) {
  const source = fs.readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(source);
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

for (const scheme of ['light', 'dark']) {
  test(`axe-core finds no serious or critical violation (${scheme}) (14.5)`, async () => {
    const h = await openViewer(env, { colorScheme: scheme });
    const { page } = h;
    assert.deepEqual(await axeViolations(page), [], 'the start page');
    await page.click('#sample-button');
    await reportShown(page);
    assert.deepEqual(await axeViolations(page), [], 'the report');
    await page.locator('button.finding').first().click();
    await page.waitForSelector('#detail pre.excerpt');
    assert.deepEqual(await axeViolations(page), [], 'the report with a finding open');
    for (const tab of ['mechanisms', 'credentials', 'coverage']) {
      await page.click(`#tab-${tab}`);
      assert.deepEqual(await axeViolations(page), [], `the ${tab} tab`);
    }
    await h.context.close();
  });
}

test('a shared link opened without its data says what it holds and what to do (14.7)', async () => {
  const h = await openViewer(env, {}, '#sev=high&tab=findings&f=ST001-0123456789ab');
  const { page } = h;
  const note = page.locator('#link-without-data');
  await note.waitFor();
  assert.match(await note.innerText(), /this link holds a view of a report, not its data/);
  assert.match(await note.innerText(), /drop or choose the same dump .* open the finding it points at/);
  await page.click('#sample-button');
  await reportShown(page);
  assert.equal(await note.count(), 0, 'gone once the data is there');
  await assertClean(h);
  await h.context.close();
});

test('an embed whose data-dump is missing says so in the frame and to the page (14.7)', async () => {
  const h = await openPage(env);
  const { page, context } = h;
  const host = `${env.base}/examples/missing-dump.html`;
  await context.route(host, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><html lang="en"><head><title>docs</title></head><body>'
      + '<div data-authn-audit data-sample="off" data-dump="dumps/gone.yaml"></div>'
      + '<script>window.__failed = []; document.addEventListener("authn-audit:failed", (e) => window.__failed.push(e.detail.message), true);</script>'
      + '<script src="/viewer/embed.js" defer></script></body></html>',
  }));
  await page.goto(host);
  const frame = page.frameLocator('iframe.authn-audit-frame');
  const shown = frame.locator('#dump-missing');
  await shown.waitFor({ timeout: 30_000 });
  const text = await shown.innerText();
  assert.match(text, /\/examples\/dumps\/gone\.yaml/);
  assert.match(text, /HTTP 404/);
  assert.match(text, /nothing was checked/);
  assert.match(text, /data-dump/);
  // The host page hears it too.
  await page.waitForFunction(() => window.__failed.length > 0);
  assert.match(await page.evaluate(() => window.__failed[0]), /HTTP 404/);
  assert.deepEqual(h.foreign, []);
  await h.context.close();
});

test('keyboard: visible focus on rows and "Choose files…", details take the focus and give it back (14.5)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  // "Choose files…" is a label for a hidden input: Tab onto the input rings the label.
  const label = page.locator('label[for="file-picker"]');
  const actions = page.locator('.intake .actions').first();
  const bare = await actions.screenshot();
  await page.focus('#file-picker');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'file-picker');
  assert.equal(await label.evaluate((e) => getComputedStyle(e).outlineStyle), 'solid');
  assert.ok(!bare.equals(await actions.screenshot()), 'the focused label looks different');

  await page.click('#sample-button');
  await reportShown(page);
  // A row focused from the keyboard shows its ring inside the scroll box, where it is not clipped.
  const row = page.locator('button.finding').nth(1);
  const unfocused = await row.screenshot();
  await page.locator('button.finding').first().focus();
  await page.keyboard.press('Tab');
  assert.equal(await row.evaluate((e) => e === document.activeElement), true);
  const ring = await row.evaluate((e) => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineOffset]; });
  assert.deepEqual(ring, ['solid', '-3px']);
  assert.ok(!unfocused.equals(await row.screenshot()), 'the focused row looks different');
  await row.screenshot({ path: path.join(ARTIFACTS, 'focused-row.png') });

  // Enter opens the details and the focus moves into them; Escape gives it back to the row.
  const key = await row.getAttribute('data-key');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'detail-title');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'detached' });
  await page.waitForFunction((k) => document.activeElement?.dataset?.key === k, key);
  // The close button does the same.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'detail-title');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Close details');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail', { state: 'detached' });
  await page.waitForFunction((k) => document.activeElement?.dataset?.key === k, key);
  await assertClean(h);
  await h.context.close();
});

test('compact layout at 800 px puts the details below the list, as documented (14.8)', async () => {
  const h = await openViewer(env, { viewport: { width: 800, height: 900 } }, '#compact');
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  await page.locator('button.finding').first().click();
  await page.waitForSelector('#detail');
  const list = await page.locator('.findings-scroll').boundingBox();
  const detail = await page.locator('#detail').boundingBox();
  assert.ok(detail.y >= list.y + list.height - 1, `details at y=${detail.y}, list ends at ${list.y + list.height}`);
  await h.context.close();
  // Without `compact`, docs/embedding.md says: above the list under 980 px, beside it above.
  for (const [width, where] of [[800, 'above'], [1440, 'beside']]) {
    const w = await openViewer(env, { viewport: { width, height: 900 } });
    await w.page.click('#sample-button');
    await reportShown(w.page);
    await w.page.locator('button.finding').first().click();
    await w.page.waitForSelector('#detail');
    const l = await w.page.locator('.findings-scroll').boundingBox();
    const d = await w.page.locator('#detail').boundingBox();
    if (where === 'above') assert.ok(d.y + d.height <= l.y + 1, `${width} px: details end at ${d.y + d.height}, list starts at ${l.y}`);
    else assert.ok(d.x >= l.x + l.width - 1, `${width} px: details at x=${d.x}, list ends at ${l.x + l.width}`);
    await w.context.close();
  }
});

test('the summary leads with what to fix first and keeps inventory rows out of the counts (14.4)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  const items = page.locator('#fix-first button.fix');
  const n = await items.count();
  assert.ok(n > 0 && n <= 5, `${n} to fix first`);
  // Worst first: no finding in the report is worse than the first one offered.
  const order = ['info', 'low', 'medium', 'high', 'critical'];
  const worst = Math.max(...(await page.$$eval('button.finding .sev', (els) => els.map((e) => e.textContent))).map((s) => order.indexOf(s)));
  const firstSev = await items.first().locator('.sev').innerText();
  assert.equal(order.indexOf(firstSev.toLowerCase()), worst);
  const offered = await Promise.all([...Array(n).keys()].map(async (i) => order.indexOf((await items.nth(i).locator('.sev').innerText()).toLowerCase())));
  assert.deepEqual(offered, [...offered].sort((a, b) => b - a), 'by severity');
  assert.ok(offered.every((s) => s >= order.indexOf('medium')));
  // One click opens it.
  const key = await items.first().getAttribute('data-key');
  await items.first().click();
  await page.waitForSelector('#detail');
  assert.ok(decodeURIComponent(new URL(page.url()).hash).includes(`f=${key}`));
  // Inventory rows (the credential and mechanism lists) are not counted as info findings.
  const inventory = Number((await page.locator('#inventory-rows').innerText()).replace(/\D/g, ''));
  assert.ok(inventory > 0, 'the sample lists inventory rows');
  const infoCard = Number((await page.locator('.stat[data-severity="info"] .n').innerText()).replace(/\D/g, ''));
  const infoChip = Number((await page.locator('.chips button[data-severity="info"] .n').innerText()).replace(/\D/g, ''));
  assert.equal(infoCard, infoChip - inventory);
  await h.context.close();
});

test('the credentials table is virtual: a bounded number of rows drawn, the last one reached by scrolling (14.6)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await dropFiles(page, [{ name: 'tokens.yaml', text: tokenDump('virtual', 2000) }]);
  await reportShown(page);
  await page.click('#tab-credentials');
  assert.equal(await page.locator('#credential-count').innerText(), '500 credentials');
  const rows = page.locator('#credential-table tbody tr');
  const drawn = await rows.count();
  assert.ok(drawn > 5 && drawn <= 100, `rows drawn: ${drawn}`);
  // The scroll bar is true to the whole list: scrolled to its end, the last credential is drawn.
  // Scrolled again until it holds: the rows' height is measured from the drawn rows, and a scroll
  // made before that measure lands short of the end (on a loaded machine the measure can come a
  // frame after the tab is drawn).
  await page.waitForFunction(() => {
    const el = document.querySelector('#credential-scroll');
    el.scrollTop = el.scrollHeight;
    return document.querySelector('#credential-table tbody tr[aria-rowindex="501"]') !== null;
  }, null, { polling: 250, timeout: 30_000 });
  assert.ok((await rows.count()) <= 100);
  const last = await page.locator('#credential-table tbody tr[aria-rowindex="501"]').boundingBox();
  const box = await page.locator('#credential-scroll').boundingBox();
  assert.ok(last.y + last.height <= box.y + box.height + 1 && last.y >= box.y, 'the last row is in view');
  // Every row is one line high, so the arithmetic holds: no gap above the first row drawn.
  const first = await rows.first().evaluate((r) => [r.getBoundingClientRect().height, Number(r.getAttribute('aria-rowindex'))]);
  assert.ok(first[0] > 20 && first[0] < 60, `row height ${first[0]}`);
  await assertClean(h);
  await h.context.close();
});

test('the expiry chart counts credentials per period, and a bar lists its credentials, in the URL by date only (14.6)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  await page.click('#tab-credentials');
  const total = Number((await page.locator('#credential-count').innerText()).replace(/\D/g, ''));
  const bars = page.locator('.timeline g.bar');
  const n = await bars.count();
  assert.ok(n >= 2 && n < total, `${n} bars for ${total} credentials`);
  // Each bar's count, summed, is every dated credential.
  const counts = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-label').replace(/\u202f/g, '').match(/^(\d+)/)[1])));
  const undated = Number((await page.locator('.timeline figcaption').innerText()).match(/(\d+) undated/)?.[1] ?? 0);
  assert.equal(counts.reduce((a, b) => a + b, 0) + undated, total);
  // Choose a dated bar with the keyboard: the table lists exactly its credentials.
  const dated = page.locator('.timeline g.bar:not([data-bucket="never"])').first();
  const bucket = await dated.getAttribute('data-bucket');
  const expected = Number((await dated.getAttribute('aria-label')).replace(/\u202f/g, '').match(/^(\d+)/)[1]);
  await dated.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#expiry-filter');
  assert.match(await page.locator('#expiry-filter').innerText(), new RegExp(`Expiring in (week of )?${bucket}`));
  assert.equal(await page.locator('#credential-table tbody tr').count(), expected);
  const expires = await page.$$eval('#credential-table tbody td[data-label="Expires"]', (tds) => tds.map((t) => t.textContent));
  if (/^\d{4}-\d{2}$/.test(bucket)) assert.ok(expires.every((e) => e.startsWith(bucket)), `${bucket}: ${expires}`);
  assert.equal(await dated.getAttribute('aria-pressed'), 'true');
  const hash = decodeURIComponent(new URL(page.url()).hash);
  assert.ok(hash.includes(`expires=${bucket}`), hash);
  // The same link opened again with the data shows the same list.
  const h2 = await openViewer(env, {}, new URL(page.url()).hash);
  await h2.page.click('#sample-button');
  await reportShown(h2.page);
  assert.equal(await h2.page.locator('#credential-table tbody tr').count(), expected);
  await h2.context.close();
  // Back to every period; the never-expiring bar lists only credentials that never expire.
  await page.click('#expiry-clear');
  await page.waitForSelector('#expiry-filter', { state: 'detached' });
  assert.equal(await page.locator('#credential-table tbody tr').count(), Math.min(total, 150));
  if (await page.locator('.timeline g.bar[data-bucket="never"]').count()) {
    await page.locator('.timeline g.bar[data-bucket="never"]').click();
    await page.waitForSelector('#expiry-filter');
    const never = await page.$$eval('#credential-table tbody td[data-label="Expires"]', (tds) => tds.map((t) => t.textContent));
    assert.ok(never.length > 0 && never.every((e) => e === 'never'), JSON.stringify(never));
  }
  await page.screenshot({ path: path.join(ARTIFACTS, 'credentials-chart.png'), fullPage: false });
  await assertClean(h);
  await h.context.close();
});

test('a worker that ends without an error event still ends as a message, and the next try works (issue 8)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  // End the worker from inside: no error event reaches the page, as when a tab's wasm is killed.
  const [worker] = page.workers();
  assert.ok(worker, 'the analysis worker is running');
  await worker.evaluate(() => self.close()).catch(() => {});
  await page.click('#sample-button');
  const failed = page.locator('#analysis-failed');
  await failed.waitFor({ timeout: 40_000 });
  assert.match(await failed.innerText(), /stopped inside the browser/);
  // A fresh worker takes the next try.
  await clearReportMark(page);
  await page.click('#sample-button');
  await reportShown(page);
  assert.ok((await page.locator('button.finding').count()) > 0);
  await h.context.close();
});

test('at 800 px the credentials table hides no column and the chart text stays readable (14.8)', async () => {
  const h = await openViewer(env, { viewport: { width: 800, height: 900 } });
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  await page.click('#tab-credentials');
  const wrap = page.locator('#credential-table').locator('xpath=..');
  const [scroll, client] = await wrap.evaluate((e) => [e.scrollWidth, e.clientWidth]);
  assert.ok(scroll <= client, `the table scrolls sideways by ${scroll - client}px`);
  // Every cell of a row is on screen, each with its column's name before it.
  const cells = await page.locator('#credential-table tbody tr').first().locator('td, th').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { label: getComputedStyle(e, '::before').content, inside: r.width > 0 && r.right <= document.documentElement.clientWidth };
  }));
  // The sample comes with its audit log: the usage columns are there too.
  assert.deepEqual(cells.map((c) => c.label), ['Kind', 'Identity', 'Groups', 'Status', 'Expires', 'Last used', 'Requests', 'Fingerprint', 'Where'].map((l) => `"${l}: "`));
  assert.ok(cells.every((c) => c.inside), JSON.stringify(cells));
  // Chart labels are drawn at no less than 10 px.
  const px = await page.locator('.timeline svg text').first().evaluate((t) => t.getBoundingClientRect().height);
  assert.ok(px >= 10, `chart text ${px}px high`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'credentials-800.png'), fullPage: false });
  await h.context.close();
});

/** The audit tests' sample cluster, its static token file and the audit log its API server wrote (issue 12). */
const AUDIT_SAMPLE = path.join(FIXTURES, '../../fixtures/audit');

test('a dump dropped with its audit log (gzip-compressed) shows used and never-used credentials and filters them (issue 12)', async () => {
  // Rotated logs are often compressed: the log goes in as `.gz`, read as bytes by the worker.
  const gz = path.join(ARTIFACTS, 'cluster-audit.log.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(path.join(AUDIT_SAMPLE, 'cluster-audit.log'))));
  const h = await openViewer(env);
  const { page } = h;
  await page.setInputFiles('#file-picker', [path.join(AUDIT_SAMPLE, 'cluster.yaml'), path.join(AUDIT_SAMPLE, 'tokens.csv'), gz]);
  await reportShown(page);
  // The summary names the log, its request count and its window.
  assert.equal(await page.locator('#audit-window').innerText(),
    'audit log cluster-audit.log.gz: 12 requests from 2025-11-27 08:00 UTC to 2025-11-27 11:10 UTC');
  await page.click('#tab-credentials');
  const row = (identity) => page.locator(`#credential-table tr[data-identity="${identity}"]`);
  // Used: the system:masters kubeconfig's certificate, with its last use and request count.
  const admin = row('kubernetes-admin').first();
  assert.equal(await admin.getAttribute('data-used'), 'true');
  assert.match(await admin.locator('td.last-used').innerText(), /^2025-11-27 \d\d:\d\d UTC$/);
  assert.match(await admin.locator('td[data-label="Requests"]').innerText(), /^[1-9]\d*$/);
  assert.match(await admin.locator('td.last-used').getAttribute('title'), /first used 2025-11-27/);
  // Never used: the old deployer's legacy token Secret.
  const old = row('system:serviceaccount:ci:old-deployer').first();
  assert.equal(await old.getAttribute('data-used'), 'false');
  assert.equal(await old.locator('td.last-used').innerText(), "never used in the log's window");
  assert.equal(await old.locator('td[data-label="Requests"]').innerText(), '0');
  // The filter: used only, then unused only.
  const identities = () => page.$$eval('#credential-table tbody tr', (rows) => rows.map((r) => [r.dataset.identity, r.dataset.used]));
  const all = (await identities()).length;
  await page.click('#usage-used');
  const used = await identities();
  assert.ok(used.length > 0 && used.length < all, `${used.length} of ${all}`);
  assert.ok(used.every(([, u]) => u === 'true'), JSON.stringify(used));
  assert.ok(used.some(([id]) => id === 'kubernetes-admin'));
  assert.equal(await page.locator('#usage-used').getAttribute('aria-pressed'), 'true');
  await page.click('#usage-unused');
  const unused = await identities();
  assert.ok(unused.length > 0 && unused.every(([, u]) => u === 'false'), JSON.stringify(unused));
  assert.ok(unused.some(([id]) => id === 'system:serviceaccount:ci:old-deployer'));
  await page.click('#usage-all');
  assert.equal((await identities()).length, all);
  // The filter is in the link, by its word only (no credential's name).
  await page.click('#usage-unused');
  const hash = decodeURIComponent(new URL(page.url()).hash);
  assert.ok(hash.includes('used=unused') && !/old-deployer|kubernetes-admin/.test(hash), hash);
  await page.click('#usage-all');
  assert.ok(!new URL(page.url()).hash.includes('used='));
  // The expiry chart's bars say how many of theirs the log saw.
  const labels = await page.locator('.timeline g.bar').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  assert.ok(labels.some((l) => /[1-9]\d* used in the log/.test(l)), JSON.stringify(labels));
  await page.screenshot({ path: path.join(ARTIFACTS, 'credentials-usage.png'), fullPage: true });
  // No secret value of the dump or the token file anywhere, on any tab.
  const secrets = sampleSecretValues(path.join(AUDIT_SAMPLE, 'cluster.yaml'));
  secrets.push(fs.readFileSync(path.join(AUDIT_SAMPLE, 'tokens.csv'), 'utf8').split(',')[0]);
  assert.ok(secrets.length >= 3, `the audit sample has secrets to look for (${secrets.length})`);
  for (const tab of ['#tab-findings', '#tab-mechanisms', '#tab-credentials', '#tab-coverage']) {
    await page.click(tab);
    const html = await pageWithoutRuleDocs(page);
    for (const secret of secrets) assert.ok(!html.includes(secret), `secret value on ${tab}`);
  }
  await assertClean(h);
  await h.context.close();
  fs.rmSync(gz);
});

test('a finding on an audit log event shows that event, read again from the dropped file, bodies left out (issue 12)', async () => {
  // The same log written at level RequestResponse: every event carries bodies with secrets in them.
  const token = 'audit-body-token-value-7731';
  const body = `"level":"RequestResponse","requestObject":{"password":"audit-body-password-5512"},"responseObject":{"kind":"Secret","data":{"token":"${Buffer.from(token).toString('base64')}"}},`;
  const log = fs.readFileSync(path.join(AUDIT_SAMPLE, 'cluster-audit.log'), 'utf8')
    .split('\n').map((l) => l.replace('"level":"Metadata",', body)).join('\n');
  assert.ok(log.includes('responseObject'));
  const gz = path.join(ARTIFACTS, 'bodies-audit.log.gz');
  fs.writeFileSync(gz, zlib.gzipSync(log));
  const h = await openViewer(env);
  const { page } = h;
  await page.setInputFiles('#file-picker', [path.join(AUDIT_SAMPLE, 'cluster.yaml'), path.join(AUDIT_SAMPLE, 'tokens.csv'), gz]);
  await reportShown(page);
  const ul = page.locator('button.finding[data-code^="UL"]');
  assert.ok(await ul.count() > 0, 'findings on the log');
  let checked = 0;
  for (let i = 0; i < await ul.count(); i++) {
    await ul.nth(i).click();
    await page.waitForSelector('#detail');
    // The evidence names the first (and last) request: file and line of the log.
    const cited = await page.$$eval('#detail table.evidence tr', (rows) => rows
      .filter((r) => / request$/.test(r.querySelector('th').textContent))
      .map((r) => r.querySelector('td code').textContent.match(/^(.*):(\d+) at /)).filter(Boolean).map((m) => [m[1], m[2]]));
    assert.ok(cited.every(([p]) => p === 'bodies-audit.log.gz'), JSON.stringify(cited));
    if (!cited.length) {
      // A finding on what the log did not show (an unused credential) cites no event.
      await page.keyboard.press('Escape');
      await page.waitForSelector('#detail', { state: 'detached' });
      continue;
    }
    checked += 1;
    const events = page.locator('#detail pre.excerpt .line.hit');
    await page.waitForFunction((n) => document.querySelectorAll('#detail pre.excerpt.event .line.hit').length >= n
      || document.querySelectorAll('#detail pre.excerpt .line.hit').length > n, cited.length - 1);
    const shown = await page.$$eval('#detail pre.excerpt .line.hit', (ls) => ls.map((l) => [l.querySelector('.ln').textContent, l.textContent]));
    for (const [, line] of cited) {
      const event = shown.find(([n, text]) => n === line && /"kind":"Event"/.test(text));
      assert.ok(event, `line ${line} shown as an event: ${JSON.stringify(shown)}`);
      assert.match(event[1], /"responseObject":"\(not shown: may hold secrets\)"/);
    }
    assert.ok(await events.count() >= cited.length);
    const html = await pageWithoutRuleDocs(page);
    for (const secret of [token, Buffer.from(token).toString('base64'), 'audit-body-password-5512']) {
      assert.ok(!html.includes(secret), `${secret} on the page`);
    }
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'detached' });
  }
  assert.ok(checked >= 2, `${checked} findings citing log events`);
  await assertClean(h);
  await h.context.close();
  fs.rmSync(gz);
});

test('without an audit log the inventory says nothing of usage; the sample button loads the sample with its log (issue 12)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  // The sample cluster's dump alone: no usage claim anywhere.
  await page.setInputFiles('#file-picker', path.join(FIXTURES, '../../../examples/sample-cluster.yaml'));
  await reportShown(page);
  assert.equal(await page.locator('#audit-window').count(), 0);
  await page.click('#tab-credentials');
  assert.equal(await page.locator('#credential-table td.last-used, #usage-used, #credential-table tr[data-used]').count(), 0);
  assert.equal(await page.locator('button.finding .preview').count(), 0, 'no usage rule without a log');
  // The one sample button: the same cluster with its token file and its API server's log.
  assert.equal(await page.locator('#sample-audit-button').count(), 0, 'one sample button');
  await clearReportMark(page);
  await page.click('#sample-button');
  await reportShown(page);
  assert.match(await page.locator('#audit-window').innerText(), /^audit log sample-cluster-audit\.log: [1-9][\d\u202f]* requests from /);
  assert.match(await page.locator('.intake .current').innerText(), /sample cluster with its audit log/);
  assert.ok(await page.locator('#credential-table tr[data-used="true"]').count() > 0, 'credentials used in the log');
  assert.ok(await page.locator('#credential-table tr[data-used="false"]').count() > 0, 'credentials never used');
  // The usage rules ran (an audit log is their opt-in), marked as preview rules.
  await page.click('#tab-findings');
  const ul = await page.$$eval('button.finding[data-code^="UL"]', (rows) => rows.map((r) => [r.dataset.code, !!r.querySelector('.preview')]));
  assert.ok(ul.length > 0 && ul.every(([, preview]) => preview), JSON.stringify(ul));
  // A usage finding opens on the event it cites, from the sample's in-memory log.
  await page.locator('button.finding[data-code^="UL"]').first().click();
  const hit = page.locator('#detail pre.excerpt .line.hit').first();
  await hit.waitFor();
  assert.match(await hit.innerText(), /"kind":"Event"/);
  await assertClean(h);
  await h.context.close();
});

/** Download an export in `format` and return its file name and text. */
async function download(page, format) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-export="${format}"]`)]);
  const saved = path.join(ARTIFACTS, `${Date.now()}-${file.suggestedFilename()}`);
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), text: fs.readFileSync(saved, 'utf8') };
}

/** The "N of M findings" line as numbers. */
async function resultCount(page) {
  const [, shown, total] = (await page.locator('#result-count').innerText()).replace(/,/g, '').match(/^(\d+) of (\d+) findings/);
  return { shown: Number(shown), total: Number(total) };
}

test('an earlier report beside the dump marks findings new, unchanged or fixed and credentials added or removed (14.9)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  // The baseline: this very report, downloaded, with one finding and one credential taken out
  // (so they are new and added now) and one of each made up (so they are fixed and removed).
  const old = JSON.parse((await download(page, 'json')).text);
  const total = old.findings.length;
  const dropped = old.findings.splice(old.findings.findIndex((f) => f.code === 'SA005'), 1)[0];
  old.findings.push({ ...dropped, id: 'f'.repeat(32), code: 'BT001', message: 'a finding fixed since' });
  const droppedCredential = old.credentials.shift();
  old.credentials.push({ ...droppedCredential, identity: 'gone-user', fingerprint: 'fp1:000000000000' });
  const baseline = JSON.stringify(old, null, 2);

  // Dropped alone on a report, it is compared with the same inputs.
  await clearReportMark(page);
  await dropFiles(page, [{ name: 'last-week.json', text: baseline }]);
  await reportShown(page);
  const counts = async () => Object.fromEntries(await page.$$eval('#baseline-counts button[data-status]',
    (els) => els.map((e) => [e.dataset.status, Number(e.querySelector('.n').textContent)])));
  assert.deepEqual(await counts(), { new: 1, unchanged: total - 1, fixed: 1 });
  assert.match(await page.locator('#compare .compare-head').innerText(), /last-week\.json/);
  assert.match(await page.locator('#credential-counts').innerText(), /1 added, 1 removed/);
  assert.equal((await resultCount(page)).total, total, 'the same inputs, not the report, were analysed');
  assert.match(await page.locator('.intake .current').innerText(), /sample cluster/);
  // The status filter: only the new one, marked so in its row and its details.
  await page.click('#baseline-counts button[data-status="new"]');
  assert.equal((await resultCount(page)).shown, 1);
  assert.match(new URL(page.url()).hash, /status=new/);
  const row = page.locator('button.finding').first();
  assert.equal(await row.getAttribute('data-code'), 'SA005');
  assert.equal(await row.locator('.tag.new').count(), 1);
  await row.click();
  assert.equal(await page.locator('#detail-since').innerText(), 'new');
  await page.screenshot({ path: path.join(ARTIFACTS, 'compare.png') });
  // Fixed ones are the baseline's: listed from it.
  await page.click('#baseline-counts button[data-status="fixed"]');
  assert.equal((await resultCount(page)).shown, 0);
  assert.match(await page.locator('#fixed-list').innerText(), /BT001[\s\S]*a finding fixed since/);
  await page.click('#credential-changes summary');
  assert.match(await page.locator('#credential-changes').innerText(), /removed[\s\S]*gone-user/);
  // Exports carry the comparison, as the CLI's do.
  await page.click('#baseline-counts button[data-status="fixed"]'); // off again
  const compared = JSON.parse((await download(page, 'json')).text);
  assert.deepEqual(compared.summary.baseline, { new: 1, unchanged: total - 1, fixed: 1, credentialsAdded: 1, credentialsRemoved: 1 });
  assert.equal(compared.findings.find((f) => f.code === 'SA005').baseline, 'new');
  assert.equal(compared.fixed[0].id, 'f'.repeat(32));

  // Beside the dump in one drop, and through the picker: the same counts. (The sample button
  // loads the dump with its token file and audit log: all three go in.)
  await clearReportMark(page);
  await dropFiles(page, [
    ...['sample-cluster.yaml', 'sample-static-tokens.csv', 'sample-cluster-audit.log']
      .map((name) => ({ name, text: fs.readFileSync(path.join(HERE, '../../examples', name), 'utf8') })),
    { name: 'last-week.json', text: baseline },
  ]);
  await reportShown(page);
  // (The dump alone may hold less than the sample button loads: what it lacks is fixed too.)
  const beside = await counts();
  assert.equal(beside.new + beside.unchanged, (await resultCount(page)).total);
  assert.ok(beside.new >= 1 && beside.fixed >= 1, JSON.stringify(beside));
  const file = path.join(ARTIFACTS, 'last-week.json');
  fs.writeFileSync(file, baseline);
  await clearReportMark(page);
  await page.setInputFiles('#baseline-picker', file);
  await reportShown(page);
  assert.deepEqual(await counts(), beside, 'the same inputs and baseline: the same counts');

  // A file that is no report is a located error, never ignored.
  const broken = path.join(ARTIFACTS, 'not-a-report.json');
  fs.writeFileSync(broken, '{\n  "tool": {"name": "authn-audit"},\n  "findings": "none"\n}\n');
  await clearReportMark(page);
  await page.setInputFiles('#baseline-picker', broken);
  await reportShown(page);
  const error = await page.locator('#baseline-error').innerText();
  assert.match(error, /`?not-a-report\.json`? could not be used as the baseline, so nothing is compared: line 3/);
  assert.equal(await page.locator('#baseline-counts').count(), 0);
  await assertClean(h);
  await h.context.close();
});

test('exports hold the filtered view or everything, as chosen, and say which (14.10)', async () => {
  const h = await openViewer(env);
  const { page } = h;
  await page.click('#sample-button');
  await reportShown(page);
  const { total } = await resultCount(page);
  // Without a filter there is nothing to narrow: everything.
  assert.equal(await page.locator('#export-scope option[value="filtered"]').isDisabled(), true);
  await page.click('button.stat[data-severity="high"]');
  const { shown } = await resultCount(page);
  assert.ok(shown > 0 && shown < total, `${shown} of ${total}`);
  await page.selectOption('#export-scope', 'filtered');
  const json = await download(page, 'json');
  assert.equal(json.name, 'authn-audit-report-filtered.json');
  const part = JSON.parse(json.text);
  assert.equal(part.findings.length, shown);
  assert.ok(part.findings.every((f) => f.severity === 'high'));
  assert.deepEqual(part.scope, { filter: 'severity `high`', view: 'sev=high', shown, total });
  for (const format of ['markdown', 'html']) {
    const text = (await download(page, format)).text.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`filtered view: ${shown} of ${total} findings \\(severity .?high.?\\)`), format);
  }
  const sarif = JSON.parse((await download(page, 'sarif')).text);
  assert.equal(sarif.runs[0].results.length, shown);
  assert.equal(sarif.runs[0].properties.scope.total, total);
  // Everything, as chosen: the whole report, and no word of a scope.
  await page.selectOption('#export-scope', 'all');
  const whole = await download(page, 'json');
  assert.equal(whole.name, 'authn-audit-report.json');
  assert.equal(JSON.parse(whole.text).findings.length, total);
  assert.equal(JSON.parse(whole.text).scope, undefined);
  await assertClean(h);
  await h.context.close();
});

test('a finding offers a fix to copy, names quoted so a hostile one cannot run (14.4)', async () => {
  const h = await openViewer(env);
  const { page, context } = h;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.base });
  // A stale legacy token whose name is a shell command.
  const hostile = 'x; touch /tmp/pwned #';
  await dropFiles(page, [{ name: 'tokens.yaml', text: [
    'apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/service-account-token', 'metadata:',
    `  name: "${hostile}"`, '  namespace: ci',
    '  labels: {kubernetes.io/legacy-token-last-used: "2024-01-02"}',
    '  annotations: {kubernetes.io/service-account.name: deployer}',
    `data: {token: ${SECRET_TOKEN_B64}}`, ''].join('\n') }]);
  await reportShown(page);
  await page.locator('button.finding[data-code="SA005"]').first().click();
  const copy = page.locator('#copy-fix');
  await copy.waitFor();
  const text = await page.locator('#fix-text').innerText();
  assert.equal(text, `kubectl delete secret -n ci '${hostile}'`);
  assert.equal(await copy.getAttribute('data-copy'), text);
  assert.ok(!text.includes(SECRET_TOKEN) && !text.includes(SECRET_TOKEN_B64), 'no secret in a fix');
  await copy.click();
  await page.waitForFunction(() => document.querySelector('#copy-fix').textContent === 'Copied');
  await page.locator('#fix').screenshot({ path: path.join(ARTIFACTS, 'fix-to-copy.png') });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);
  // The exports carry the same fix.
  const json = JSON.parse((await download(page, 'json')).text);
  assert.equal(json.findings.find((f) => f.code === 'SA005').fix.text, text);
  await assertClean(h);
  await h.context.close();
});
