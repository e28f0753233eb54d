// The web app (`vidrep serve`) in a real browser: Debian's headless Chromium driven by
// playwright-core. An index of videos the ffmpeg CLI makes (one a re-encoded copy of another, one an
// AVI a browser cannot play), a small trained run and an empty alerts folder are served; the tests
// click through browse -> neighbours -> play, upload a clip and see its source ranked first, open a
// run's report, and watch alerts arrive while `vidrep watch` runs. Any console error fails them.
// Screenshots go to build/browser/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = process.env.VIDREP_BUILD || path.join(root, 'build');
const cli = path.join(build, 'bin', 'vidrep');
const work = path.join(build, 'test-fixtures', 'browser-serve');
const shots = path.join(build, 'browser');
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };

function vidrep(...args) {
  execFileSync(cli, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
}
function ffmpeg(name, args) {
  const out = path.join(work, name);
  execFileSync('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', ...args, out], { stdio: 'inherit' });
  return out;
}
const x264 = ['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'veryfast'];

let server, url, browser, page;
const errors = [];
const alerts = path.join(work, 'alerts');
let walker, excerpt;

before(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'videos'), { recursive: true });
  fs.mkdirSync(alerts);
  fs.mkdirSync(shots, { recursive: true });
  ffmpeg('videos/mandelbrot.mp4', ['-f', 'lavfi', '-i', 'mandelbrot=size=160x120:rate=10,hue=h=t*40', '-t', '6', ...x264]);
  ffmpeg('videos/life.mp4', ['-f', 'lavfi', '-i', 'life=size=160x120:rate=10:mold=10:ratio=0.2:life_color=#40ff80', '-t', '6', ...x264]);
  const testsrc = ffmpeg('videos/testsrc.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '6', ...x264]);
  ffmpeg('videos/cellauto.avi', ['-f', 'lavfi', '-i', 'cellauto=size=160x120:rate=10:rule=30', '-t', '6', '-c:v', 'mpeg4', '-q:v', '4']);
  // Three scenes of 2 s (colour bars, the mandelbrot zoom, moving gradients), and its seconds 2-6,
  // smaller and at a lower quality: a near-duplicate matched at 2-6 s of the montage.
  const montage = ffmpeg('videos/montage.mp4', ['-f', 'lavfi', '-i', 'rgbtestsrc=size=160x120:rate=10:duration=2', '-f', 'lavfi', '-i',
    'mandelbrot=size=160x120:rate=10,hue=h=t*40,trim=duration=2', '-f', 'lavfi', '-i', 'gradients=size=160x120:rate=10:speed=0.03,trim=duration=2',
    '-filter_complex', '[0][1][2]concat=n=3:v=1:a=0', ...x264]);
  ffmpeg('videos/montage_copy.mp4', ['-ss', '2', '-i', montage, '-vf', 'scale=128:96', '-an', '-crf', '35', ...x264]);
  // The upload: seconds 2-5 of testsrc, mirrored and cropped (not in the index).
  excerpt = ffmpeg('excerpt.mp4', ['-ss', '2', '-t', '3', '-i', testsrc, '-vf', 'hflip,crop=iw*0.8:ih*0.8', '-an', ...x264]);
  // A red square walking right into the right half over 6 s: one intrusion at about 3.2 s.
  walker = ffmpeg('walker.mp4', ['-f', 'lavfi', '-i', 'color=c=gray:size=320x240:rate=25:duration=6', '-f', 'lavfi', '-i',
    'color=c=red:size=24x24:rate=25', '-filter_complex', "[0][1]overlay=x='20+40*t':y=100:shortest=1,noise=alls=6:allf=t", '-g', '25', ...x264]);
  fs.writeFileSync(path.join(work, 'zones.json'), JSON.stringify({ zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], intrusion: true }] }));

  vidrep('index', 'build', path.join(work, 'videos'), '--out', path.join(work, 'idx'));
  vidrep('synth', '--kind', 'motion', '--out', path.join(work, 'motion'), '--per-class', '6', '--frames', '9', '--size', '16x16');
  vidrep('train', '--data', path.join(work, 'motion'), '--model', 'c3d', '--epochs', '3', '--size', '16x16', '--threads', '2',
    '--out', path.join(work, 'runs', 'c3d'));

  server = spawn(cli, ['serve', '--index', path.join(work, 'idx'), '--runs', path.join(work, 'runs'), '--alerts', alerts,
    '--port', '0', '--threads', '2'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (d) => {
      text += d;
      const m = text.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error(`vidrep serve exited (${code}) before listening`)));
  });

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  // A media download the page drops by moving on (another video, another view) is aborted, not failed.
  page.on('requestfailed', (r) => { if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGINT');
    await exited;
  }
});

// Waits until the video element `selector` plays: frames decoded, time advancing past `from`.
async function playing(selector, from) {
  await page.waitForFunction(([s, t]) => {
    const v = document.querySelector(s);
    return v && !v.paused && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > t + 0.2;
  }, [selector, from], { timeout: 30000 });
}

test('browse, open a video, see its neighbours and play the matched segments', async () => {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('a.thumb img').length === 6
    && [...document.querySelectorAll('a.thumb img')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 30000 });
  assert.deepEqual((await page.$$eval('a.thumb .name', (all) => all.map((n) => n.textContent))).sort(),
    ['cellauto.avi', 'life.mp4', 'mandelbrot.mp4', 'montage.mp4', 'montage_copy.mp4', 'testsrc.mp4']);
  await page.screenshot({ path: path.join(shots, 'serve-videos.png'), fullPage: true });
  // The filter narrows the grid.
  await page.fill('#filter', 'montage');
  assert.equal(await page.$$eval('a.thumb', (all) => all.length), 2);

  await page.click('a.thumb:has-text("montage.mp4")');
  await page.waitForSelector('.hit');
  const hits = await page.$$eval('.hit', (all) => all.map((h) => ({
    name: h.querySelector('a.open').textContent, score: Number(h.dataset.score), segment: h.querySelector('.segment').textContent })));
  assert.equal(hits[0].name, 'montage_copy.mp4', JSON.stringify(hits));
  for (const other of hits.slice(1)) assert.ok(hits[0].score > other.score);
  assert.match(hits[0].segment, /this video \d+\.\d–\d+\.\d s ↔ \d+\.\d–\d+\.\d s of montage_copy\.mp4/);
  assert.match(await page.textContent('#video-meta'), /h264 160x120, 10\.00 fps, 60 frames, 6\.0 s/);

  const queryStart = Number(hits[0].segment.match(/this video (\d+\.\d)/)[1]);
  assert.ok(Math.abs(queryStart - 2) <= 0.5, hits[0].segment);
  await page.click('.hit:first-child button.play-segment');
  await playing('#player', queryStart);
  // It jumped there: 0.4 s after the click it is past the segment's start, not 0.4 s into the video.
  await page.click('.hit:first-child button.play-segment');
  const at = await page.$eval('#player', (v) => new Promise((resolve) => setTimeout(() => resolve(v.currentTime), 400)));
  assert.ok(at >= queryStart - 0.05 && at < queryStart + 1, `${at} s after seeking to ${queryStart} s`);

  await page.click('.hit:first-child button.compare');
  await playing('#compare-player', 0);
  await page.screenshot({ path: path.join(shots, 'serve-neighbours.png'), fullPage: true });

  // Following a neighbour opens it at its matched segment.
  const refStart = await page.$eval('.hit:first-child a.open', (a) => Number(a.getAttribute('href').split('@')[1]));
  await page.click('.hit:first-child a.open');
  await page.waitForFunction((t) => {
    const v = document.getElementById('player');
    return v && v.readyState >= 1 && Math.abs(v.currentTime - t) < 0.2;
  }, refStart, { timeout: 30000 });
  assert.equal(await page.textContent('h2'), 'montage_copy.mp4');

  // The AVI plays through its preview.
  await page.goto(url + '#/', { waitUntil: 'load' });
  await page.click('a.thumb:has-text("cellauto.avi")');
  await page.waitForSelector('#player');
  assert.match(await page.textContent('main'), /H\.264 preview/);
  await page.$eval('#player', (v) => { v.muted = true; return v.play(); });
  await playing('#player', 0);
  assert.deepEqual(errors, []);
});

test('an uploaded clip ranks its source first', async () => {
  await page.goto(url + '#/search', { waitUntil: 'load' });
  await page.setInputFiles('#clip', excerpt);
  await page.click('#search-button');
  await page.waitForSelector('#search-results .hit', { timeout: 60000 });
  const first = await page.$eval('#search-results .hit', (h) => ({ name: h.querySelector('a.open').textContent, segment: h.querySelector('.segment').textContent }));
  assert.equal(first.name, 'testsrc.mp4');
  const [, refStart, refEnd] = first.segment.match(/↔ (\d+\.\d)–(\d+\.\d) s of/).map(Number);
  assert.ok(Math.abs(refStart - 2) <= 1 && Math.abs(refEnd - 5) <= 1, first.segment);
  assert.match(await page.textContent('#search-status'), /1 match for excerpt\.mp4/);
  await page.screenshot({ path: path.join(shots, 'serve-search.png'), fullPage: true });
  assert.deepEqual(errors, []);

  // Not a video: the reason, on the page; the browser logs the 422 itself.
  const bad = path.join(work, 'notes.mp4');
  fs.writeFileSync(bad, 'not a video at all');
  await page.setInputFiles('#clip', bad);
  await page.click('#search-button');
  await page.waitForSelector('#search-status.error');
  assert.match(await page.textContent('#search-status'), /notes\.mp4/);
  assert.ok(errors.every((e) => /status of 422/.test(e)), errors.join('\n'));
  errors.length = 0;
});

test("a run's report opens with the numbers of its metrics", async () => {
  await page.goto(url + '#/runs', { waitUntil: 'load' });
  await page.waitForSelector('#runs tr[data-run="c3d"]');
  assert.deepEqual(await page.$$eval('#runs tr[data-run="c3d"] td', (all) => all.slice(1, 5).map((t) => t.textContent)),
    ['c3d', 'classify', 'c3d', '3']);
  await page.screenshot({ path: path.join(shots, 'serve-runs.png') });
  await page.click('#runs tr[data-run="c3d"] a.report');
  await page.waitForSelector('svg.chart[data-title="loss"]');
  const epochs = fs.readFileSync(path.join(work, 'runs', 'c3d', 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const labels = await page.$$eval('svg.chart[data-title="loss"] g.series', (all) => all.map((g) => g.dataset.label));
  const drawn = await page.$$eval('svg.chart[data-title="loss"] g.series[data-label="val_loss"] circle', (all) => all.map((c) => Number(c.dataset.y)));
  assert.ok(labels.includes('val_loss'), labels.join(', '));
  assert.equal(drawn.length, epochs.length);
  drawn.forEach((y, i) => assert.ok(Math.abs(y - epochs[i].val_loss) <= 1e-5 * Math.abs(epochs[i].val_loss)));
  assert.deepEqual(errors, []);
});

test('alerts arrive while vidrep watch runs', async () => {
  await page.goto(url + '#/alerts', { waitUntil: 'load' });
  await page.waitForSelector('#alerts-empty:not([hidden])');
  const watch = spawn(cli, ['watch', walker, '--zones', path.join(work, 'zones.json'), '--alerts-dir', alerts, '--pre-roll', '1', '--post-roll', '1'],
    { env, stdio: 'ignore' });
  const done = new Promise((resolve) => watch.on('exit', resolve));
  // The card appears without reloading the page.
  await page.waitForSelector('.alert[data-type="intrusion"] img', { timeout: 60000 });
  assert.equal(await done, 0);
  await page.waitForSelector('.alert video', { timeout: 10000 });
  const card = await page.$eval('.alert', (a) => ({
    text: a.textContent, thumb: a.querySelector('img').naturalWidth, clip: a.querySelector('video').getAttribute('src') }));
  assert.match(card.text, /intrusion in right/);
  assert.match(card.text, /objects #\d+/);
  assert.ok(card.thumb > 0, 'the thumbnail decodes');
  assert.equal(card.clip, '/alerts/000001-intrusion.mp4');
  await page.$eval('.alert video', (v) => { v.muted = true; return v.play(); });
  await playing('.alert video', 0);
  assert.equal(await page.$$eval('.alert', (all) => all.length), 1);
  await page.screenshot({ path: path.join(shots, 'serve-alerts.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
