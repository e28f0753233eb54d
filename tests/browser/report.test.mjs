// The report in a real browser: Debian's headless Chromium driven by playwright-core. A classifier
// and an autoencoder are trained for a few epochs on a tiny synthetic set and reported on; the
// page must load without a console error, draw every chart with the numbers of metrics.jsonl,
// hide a line when its legend entry is clicked, show a confusion matrix that adds up to the
// held-out videos and thumbnails that decode. Screenshots go to build/browser/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// (import.meta.dirname needs Node 20.11; Debian 12's nodejs is 18.)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = process.env.VIDREP_BUILD || path.join(root, 'build');
const cli = path.join(build, 'bin', 'vidrep');
const work = path.join(build, 'test-fixtures', 'browser');
const shots = path.join(build, 'browser');
const report = path.join(work, 'report.html');

function vidrep(...args) {
  execFileSync(cli, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
}

function metrics(run) {
  return fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

let browser, page;
const errors = [];

before(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(shots, { recursive: true });
  vidrep('synth', '--kind', 'motion', '--out', path.join(work, 'motion'), '--per-class', '6', '--frames', '9', '--size', '16x16');
  vidrep('train', '--data', path.join(work, 'motion'), '--model', 'c3d', '--epochs', '3', '--size', '16x16', '--threads', '2',
         '--out', path.join(work, 'c3d'));
  vidrep('ae', 'train', '--data', path.join(work, 'motion'), '--epochs', '2', '--size', '16x16', '--threads', '2',
         '--out', path.join(work, 'ae'));
  vidrep('report', path.join(work, 'c3d'), path.join(work, 'ae'), '--samples', '8', '--out', report);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto('file://' + report, { waitUntil: 'load' });
});

after(async () => {
  await browser?.close();
});

test('loads without errors and every thumbnail decodes', async () => {
  await page.screenshot({ path: path.join(shots, 'report.png'), fullPage: true });
  assert.deepEqual(errors, []);
  const images = await page.$$eval('img', (all) => all.map((i) => [i.complete, i.naturalWidth]));
  assert.equal(images.length, 8 + 2 * 4);
  for (const [complete, width] of images) {
    assert.ok(complete && width > 0, 'an image did not decode');
  }
  assert.equal(await page.title(), 'vidrep report');
});

test('charts draw the numbers of metrics.jsonl', async () => {
  const epochs = metrics(path.join(work, 'c3d'));
  assert.equal(epochs.length, 3);
  const drawn = await page.$$eval('svg.chart[data-title="loss"] g.series[data-label="c3d val_loss"] circle', (all) =>
    all.map((c) => ({ x: Number(c.dataset.x), y: Number(c.dataset.y), w: c.getBoundingClientRect().width })));
  assert.equal(drawn.length, epochs.length);
  drawn.forEach((point, i) => {
    assert.equal(point.x, epochs[i].epoch);
    assert.ok(Math.abs(point.y - epochs[i].val_loss) <= 1e-5 * Math.abs(epochs[i].val_loss), `epoch ${i + 1}`);
    assert.ok(point.w > 0, 'the point is drawn');
  });
  // Higher loss is drawn higher up: the y pixel order is the reverse of the value order (cy has
  // 0.1 px steps on an axis that spans the train losses too, so val losses closer than 1 % of the
  // largest may share a row, e.g. 2.0935 and 2.0942; they never swap).
  const ys = await page.$$eval('svg.chart[data-title="loss"] g.series[data-label="c3d val_loss"] circle', (all) =>
    all.map((c) => Number(c.getAttribute('cy'))));
  const losses = epochs.map((e) => e.val_loss);
  const scale = Math.max(...losses.map(Math.abs));
  for (let i = 0; i < epochs.length; ++i) {
    for (let j = 0; j < epochs.length; ++j) {
      if (losses[i] <= losses[j]) continue;
      assert.ok(ys[i] <= ys[j], `epoch ${i + 1} above epoch ${j + 1}`);
      if (losses[i] - losses[j] > 0.01 * scale) assert.ok(ys[i] < ys[j], `epoch ${i + 1} strictly above epoch ${j + 1}`);
    }
  }
  const titles = await page.$$eval('svg.chart', (all) => all.map((s) => s.dataset.title));
  for (const t of ['loss', 'accuracy', 'psnr', 'learning rate']) assert.ok(titles.includes(t), t);
});

test('a legend click hides its line', async () => {
  const line = 'svg.chart[data-title="loss"] g.series[data-label="c3d train_loss"]';
  assert.equal(await page.$eval(line, (g) => getComputedStyle(g).display), 'inline');
  await page.click('svg.chart[data-title="loss"] g.legend[data-label="c3d train_loss"]');
  assert.equal(await page.$eval(line, (g) => getComputedStyle(g).display), 'none');
  await page.click('svg.chart[data-title="loss"] g.legend[data-label="c3d train_loss"]');
  assert.equal(await page.$eval(line, (g) => getComputedStyle(g).display), 'inline');
});

test('the confusion matrix adds up to the held-out videos', async () => {
  const data = JSON.parse(await page.textContent('#report-data'));
  const counts = await page.$$eval('svg.heatmap rect.cell', (all) => all.map((r) => Number(r.dataset.count)));
  const classes = data.runs[0].classification.per_class.length;
  assert.equal(counts.length, classes * classes);
  assert.equal(counts.reduce((a, b) => a + b, 0), data.runs[0].classification.count);
  const heatmap = await page.$('svg.heatmap');
  await heatmap.scrollIntoViewIfNeeded();
  await heatmap.screenshot({ path: path.join(shots, 'report-confusion.png') });
  const cards = await page.$$eval('.card.right, .card.wrong', (all) => all.length);
  assert.equal(cards, 8);
});
