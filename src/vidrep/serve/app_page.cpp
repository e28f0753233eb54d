#include "vidrep/serve/app_page.h"

namespace vidrep::serve {
namespace {

// Everything the server sends is put on the page with textContent or attributes, never parsed as
// HTML: file names and alert fields cannot inject markup.
constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vidrep</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #202124; background: #fff; }
header { display: flex; align-items: center; gap: 22px; padding: 10px 24px; border-bottom: 1px solid #dadce0; background: #f8f9fa; position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 19px; margin: 0; } nav a { margin-right: 16px; color: #1a73e8; text-decoration: none; font-weight: 500; }
nav a.active { color: #202124; border-bottom: 2px solid #1a73e8; }
#status { color: #5f6368; font-size: 12px; margin-left: auto; }
.badge { display: inline-block; min-width: 16px; padding: 0 5px; border-radius: 9px; background: #d93025; color: #fff; font-size: 11px; text-align: center; }
.badge:empty { display: none; }
main { max-width: 1240px; margin: 0 auto; padding: 12px 24px 40px; }
h2 { font-size: 18px; margin: 14px 0 8px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: #5f6368; } .error { color: #a50e0e; }
#filter { padding: 5px 8px; width: 260px; border: 1px solid #dadce0; border-radius: 4px; }
#grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px; margin-top: 12px; }
a.thumb { display: block; border: 1px solid #dadce0; border-radius: 6px; overflow: hidden; color: inherit; text-decoration: none; }
a.thumb:hover { border-color: #1a73e8; box-shadow: 0 1px 4px rgba(60,64,67,.3); }
a.thumb img, .hit img, .alert img { display: block; width: 100%; aspect-ratio: 4 / 3; object-fit: cover; background: #202124; }
a.thumb .name { padding: 4px 6px 0; font-size: 12px; overflow-wrap: anywhere; } a.thumb .meta { padding: 0 6px 5px; font-size: 11px; color: #5f6368; }
.players { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
.players > div { flex: 1 1 480px; } video { width: 100%; max-height: 420px; background: #000; border-radius: 4px; }
#compare[hidden] { display: none; }
.hits { display: flex; flex-direction: column; gap: 8px; }
.hit { display: flex; gap: 12px; align-items: center; border: 1px solid #dadce0; border-radius: 6px; padding: 6px; }
.hit img { width: 128px; flex: none; border-radius: 3px; }
.hit .rank { font-size: 18px; color: #5f6368; width: 26px; text-align: center; }
.hit a.open { font-weight: 600; color: #1a73e8; text-decoration: none; overflow-wrap: anywhere; }
.bar { display: inline-block; vertical-align: middle; width: 120px; height: 8px; background: #e8eaed; border-radius: 4px; margin: 0 6px; }
.bar span { display: block; height: 100%; background: #1a73e8; border-radius: 4px; }
button { font: inherit; padding: 4px 10px; border: 1px solid #dadce0; border-radius: 4px; background: #fff; cursor: pointer; margin-right: 6px; }
button:hover { background: #f1f3f4; } button.primary { background: #1a73e8; color: #fff; border-color: #1a73e8; }
form#search-form { display: flex; gap: 10px; align-items: center; padding: 10px; border: 1px dashed #dadce0; border-radius: 6px; }
table { border-collapse: collapse; } th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; } th { background: #f1f3f4; }
.alerts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.alert { border: 2px solid #dadce0; border-radius: 6px; padding: 6px; } .alert.new { border-color: #d93025; }
.alert .type { font-weight: 600; text-transform: capitalize; } .alert video { margin-top: 6px; max-height: 200px; }
</style></head>
<body>
<header><h1>vidrep</h1>
<nav><a id="nav-videos" href="#/">Videos</a><a id="nav-search" href="#/search">Search</a><a id="nav-runs" href="#/runs">Runs</a><a id="nav-alerts" href="#/alerts">Alerts <span id="alert-count" class="badge"></span></a></nav>
<span id="status">loading…</span></header>
<main id="view"></main>
<script>
'use strict';
const state = { info: null, videos: null, alerts: [], seen: 0, alertViews: new Map() };

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'data') Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
async function api(url, options) {
  const r = await fetch(url, options);
  const json = (r.headers.get('content-type') || '').includes('json');
  const body = json ? await r.json() : await r.text();
  if (!r.ok) throw new Error((json && body.error) || `HTTP ${r.status}`);
  return body;
}
const seconds = (s) => `${Number(s).toFixed(1)} s`;
const span = (a, b) => `${Number(a).toFixed(1)}–${Number(b).toFixed(1)} s`;
function clock(s) { const m = Math.floor(s / 60); return `${m}:${(s - 60 * m).toFixed(0).padStart(2, '0')}`; }
function message(text, cls = 'muted') { return h('p', { class: cls, text }); }
const view = () => document.getElementById('view');
// Plays `video` from `t` seconds, once it knows its duration.
function playFrom(video, t) {
  const go = () => { video.currentTime = t; video.play().catch(() => {}); };
  if (video.readyState >= 1) go(); else video.addEventListener('loadedmetadata', go, { once: true });
}

async function videos() {
  if (!state.videos) state.videos = await api('/api/videos');
  return state.videos;
}

// --- #/ : the collection as thumbnails ----------------------------------------------------
async function showGrid() {
  const v = view();
  if (!state.info.index) { v.append(message('No index to browse: start vidrep serve with --index IDX (made by vidrep index build).')); return; }
  const list = await videos();
  const grid = h('div', { id: 'grid' });
  const filter = h('input', { id: 'filter', type: 'search', placeholder: 'filter by name', oninput: () => fill(filter.value) });
  const count = h('span', { class: 'muted' });
  function fill(text) {
    grid.replaceChildren();
    const shown = list.filter((x) => x.path.toLowerCase().includes(text.toLowerCase()));
    count.textContent = `  ${shown.length} of ${list.length} videos`;
    for (const x of shown) {
      grid.append(h('a', { class: 'thumb', href: `#/video/${x.id}`, title: x.path, data: { id: x.id } },
        h('img', { loading: 'lazy', alt: x.name, src: `/api/videos/${x.id}/thumbnail.png` }),
        h('div', { class: 'name', text: x.name }), h('div', { class: 'meta', text: clock(x.duration) })));
    }
  }
  v.append(h('h2', { text: 'Videos' }), h('div', {}, filter, count), grid);
  fill('');
}

// A list of search hits: rank, the middle of the matched segment, name, score, segments.
function hitList(hits, describe, actions) {
  const box = h('div', { class: 'hits' });
  if (!hits.length) box.append(message('No match.'));
  hits.forEach((x, i) => {
    const bar = h('span', { class: 'bar' }, h('span', { style: `width:${Math.max(0, Math.min(1, x.score)) * 100}%` }));
    box.append(h('div', { class: 'hit', data: { id: x.id, score: x.score } },
      h('div', { class: 'rank', text: String(i + 1) }),
      h('img', { alt: x.name, src: `/api/videos/${x.id}/thumbnail.png?t=${((x.ref_start + x.ref_end) / 2).toFixed(1)}` }),
      h('div', {}, h('a', { class: 'open', href: `#/video/${x.id}@${x.ref_start.toFixed(2)}`, text: x.name, title: x.path }),
        h('div', {}, h('span', { class: 'muted', text: 'score' }), bar, h('span', { class: 'score', text: x.score.toFixed(3) })),
        h('div', { class: 'segment muted', text: describe(x) }), actions ? actions(x) : null)));
  });
  return box;
}

// --- #/video/ID[@t] : player, metadata, neighbours, compare -------------------------------
async function showVideo(id, at) {
  const v = view();
  const meta = await api(`/api/videos/${id}`);
  const player = h('video', { id: 'player', controls: '', preload: 'auto', src: `/api/videos/${id}/video` });
  if (at > 0) player.addEventListener('loadedmetadata', () => { player.currentTime = at; }, { once: true });
  const audio = meta.audio ? `, audio ${meta.audio.codec} ${meta.audio.sample_rate} Hz` : ', no audio';
  const about = `${meta.codec} ${meta.width}x${meta.height}, ${Number(meta.fps).toFixed(2)} fps, ${meta.frames} frames, ${seconds(meta.duration)}${audio}`;
  const compare = h('div', { id: 'compare', hidden: '' });
  v.append(h('h2', { text: meta.name }), h('p', { class: 'muted', text: meta.path }),
    h('div', { class: 'players' }, h('div', {}, player, h('p', { id: 'video-meta', text: about }),
      meta.playable ? null : message('Shown as an H.264 preview made by vidrep: a browser cannot play this file as it is.')), compare),
    h('h3', { text: 'Nearest neighbours' }));
  const holder = h('div', {}, message('searching…'));
  v.append(holder);
  const hits = await api(`/api/videos/${id}/neighbours?k=10`);
  holder.replaceChildren(hitList(hits, (x) => `this video ${span(x.query_start, x.query_end)} ↔ ${span(x.ref_start, x.ref_end)} of ${x.name}`,
    (x) => h('div', {},
      h('button', { class: 'play-segment', text: 'play segment', onclick: () => playFrom(player, x.query_start) }),
      h('button', { class: 'compare', text: 'compare side by side', onclick: () => openCompare(compare, player, x) }))));
}

function openCompare(box, player, x) {
  const other = h('video', { id: 'compare-player', controls: '', preload: 'auto', muted: '', src: `/api/videos/${x.id}/video` });
  other.muted = true;
  box.replaceChildren(other, h('p', { text: `${x.name}: ${span(x.ref_start, x.ref_end)}, matched with ${span(x.query_start, x.query_end)} here` }));
  box.hidden = false;
  playFrom(other, x.ref_start);
  playFrom(player, x.query_start);
}

// --- #/search : upload a clip ---------------------------------------------------------------
function showSearch() {
  const v = view();
  if (!state.info.index) { v.append(message('No index to search: start vidrep serve with --index IDX.')); return; }
  const file = h('input', { id: 'clip', type: 'file', accept: 'video/*' });
  const status = h('p', { id: 'search-status', class: 'muted' });
  const results = h('div', { id: 'search-results' });
  const limit = state.info.max_upload;
  const form = h('form', { id: 'search-form' }, file, h('button', { id: 'search-button', class: 'primary', type: 'submit', text: 'Search' }),
    h('span', { class: 'muted', text: `a video clip up to ${(limit / 1048576).toFixed(0)} MiB; it is embedded as the index was (${state.info.index.method})` }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = file.files[0];
    results.replaceChildren();
    if (!f) { status.className = 'error'; status.textContent = 'Choose a video file first.'; return; }
    if (f.size > limit) { status.className = 'error'; status.textContent = `${f.name}: ${(f.size / 1048576).toFixed(1)} MiB, more than the server takes.`; return; }
    status.className = 'muted';
    status.textContent = `searching with ${f.name}…`;
    const data = new FormData();
    data.append('clip', f, f.name);
    try {
      const r = await api('/api/search?k=10', { method: 'POST', body: data });
      status.textContent = `${r.hits.length} match${r.hits.length === 1 ? '' : 'es'} for ${r.query}`;
      results.append(hitList(r.hits, (x) => `clip ${span(x.query_start, x.query_end)} ↔ ${span(x.ref_start, x.ref_end)} of ${x.name}`));
    } catch (e) {
      status.className = 'error';
      status.textContent = e.message;
    }
  });
  v.append(h('h2', { text: 'Search with a clip' }), form, status, results);
}

// --- #/runs : reports ---------------------------------------------------------------------
async function showRuns() {
  const v = view();
  if (!state.info.runs) { v.append(message('No runs: start vidrep serve with --runs DIR (a run, or a folder of runs).')); return; }
  const runs = await api('/api/runs');
  const table = h('table', { id: 'runs' }, h('tr', {}, ...['', 'run', 'task', 'model', 'epochs', 'classes', 'report'].map((t) => h('th', { text: t }))));
  for (const r of runs) {
    const q = `/report?run=${encodeURIComponent(r.name)}`;
    table.append(h('tr', { data: { run: r.name } }, h('td', {}, h('input', { type: 'checkbox', class: 'pick', value: r.name })),
      h('td', { text: r.name }), h('td', { text: r.task || '' }), h('td', { text: r.model || r.error || '' }),
      h('td', { text: r.epochs ?? '' }), h('td', { text: r.classes || '' }),
      h('td', {}, h('a', { class: 'report', href: q, text: 'curves' }), ' · ',
        h('a', { class: 'report-eval', href: `${q}&eval=1`, text: 'evaluated', title: 'evaluates the held-out split first: takes a while' }))));
  }
  const compare = h('button', { id: 'compare-runs', text: 'Compare the selected runs', onclick: () => {
    const picked = [...table.querySelectorAll('input.pick:checked')].map((c) => `run=${encodeURIComponent(c.value)}`);
    if (picked.length) location.href = `/report?${picked.join('&')}`;
  } });
  v.append(h('h2', { text: `Runs in ${state.info.runs}` }), runs.length ? table : message('No run folder there yet.'), h('p', {}, compare));
}

// --- #/alerts : a watch's alerts as they come -----------------------------------------------
function alertCard(a) {
  const ids = (a.track_ids || []).map((t) => `#${t}`).join(' ');
  return h('div', { class: 'alert', data: { number: a.number, type: a.type } },
    a.thumbnail_url ? h('img', { alt: a.type, src: a.thumbnail_url }) : null,
    h('div', {}, h('span', { class: 'type', text: a.type.replace('_', ' ') }), a.zone ? h('span', { class: 'muted', text: ` in ${a.zone}` }) : null),
    h('div', { class: 'muted', text: `${span(a.start, a.end)} · score ${Number(a.score).toFixed(2)}${ids ? ' · objects ' + ids : ''}` }),
    a.clip_url ? h('video', { controls: '', preload: 'metadata', src: a.clip_url }) : message('evidence clip still recording…'));
}

function renderAlerts() {
  const list = document.getElementById('alerts');
  if (!list) return;
  for (const a of state.alerts) {
    const key = `${a.number}`, sign = `${a.clip_url}|${a.thumbnail_url}`;
    const old = state.alertViews.get(key);
    if (old && old.sign === sign && old.card.isConnected) continue;
    const card = alertCard(a);
    if (a.number > state.seen) card.classList.add('new');
    if (old && old.card.isConnected) old.card.replaceWith(card); else list.prepend(card);
    state.alertViews.set(key, { sign, card });
  }
  document.getElementById('alerts-empty').hidden = state.alerts.length > 0;
}

function showAlerts() {
  const v = view();
  if (!state.info.alerts) { v.append(message('No alerts folder: start vidrep serve with --alerts DIR (the --alerts-dir of vidrep watch).')); return; }
  state.alertViews.clear();
  v.append(h('h2', { text: `Alerts in ${state.info.alerts}` }), message('Newest first; new ones appear as vidrep watch raises them.'),
    h('p', { id: 'alerts-empty', class: 'muted', text: 'No alert yet.' }), h('div', { id: 'alerts', class: 'alerts' }));
  renderAlerts();
  state.seen = state.alerts.length ? state.alerts[state.alerts.length - 1].number : 0;
  document.getElementById('alert-count').textContent = '';
}

async function pollAlerts() {
  try {
    const r = await api('/api/alerts');
    state.alerts = r.alerts;
    const latest = r.alerts.length ? r.alerts[r.alerts.length - 1].number : 0;
    const unseen = latest - state.seen;
    if (location.hash.startsWith('#/alerts')) renderAlerts();
    else document.getElementById('alert-count').textContent = unseen > 0 ? String(unseen) : '';
  } catch (e) { /* the server restarting: try again */ }
  setTimeout(pollAlerts, 1000);
}

// --- routing --------------------------------------------------------------------------------
async function route() {
  const hash = location.hash || '#/';
  const v = view();
  v.replaceChildren();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', hash.startsWith(a.getAttribute('href')) && (a.getAttribute('href') !== '#/' || hash === '#/' || hash.startsWith('#/video')));
  try {
    const m = hash.match(/^#\/video\/(\d+)(?:@([\d.]+))?$/);
    if (m) await showVideo(Number(m[1]), Number(m[2] || 0));
    else if (hash === '#/search') showSearch();
    else if (hash === '#/runs') await showRuns();
    else if (hash === '#/alerts') showAlerts();
    else await showGrid();
  } catch (e) {
    v.append(message(e.message, 'error'));
  }
}

async function start() {
  state.info = await api('/api/info');
  const i = state.info, parts = [];
  if (i.index) parts.push(`index ${i.index.path}: ${i.index.videos} videos, ${i.index.type}, ${i.index.method}`);
  if (i.runs) parts.push(`runs ${i.runs}`);
  if (i.alerts) parts.push(`alerts ${i.alerts}`);
  document.getElementById('status').textContent = parts.join(' · ') || 'nothing served';
  window.addEventListener('hashchange', route);
  await route();
  if (i.alerts) pollAlerts();
}
start().catch((e) => { document.getElementById('status').textContent = e.message; });
</script>
</body></html>
)html";

}  // namespace

std::string_view app_page() { return kPage; }

}  // namespace vidrep::serve
