// The static expert viewer: data files are scripts that call MonetAtlas.on*(...), so the page works from file://.
'use strict';
const MonetAtlas = {
  summary: null, tokens: null, blocks: {}, loading: {},
  onSummary(s) { this.summary = s; start(); },
  onExperts(g, b, data) { this.blocks[g + '/' + b] = data; },
  onTokens(t) { this.tokens = t; },
};

function loadScript(src) {
  if (MonetAtlas.loading[src]) return MonetAtlas.loading[src];
  return MonetAtlas.loading[src] = new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error('cannot load ' + src));
    document.head.appendChild(s);
  });
}

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const show = (s) => esc(s).replace(/\n/g, '⏎');
const fmt = (x, d = 3) => Number(x).toFixed(d);

function start() {
  const s = MonetAtlas.summary;
  $('model').textContent = `${s.model} · ${s.tokens.toLocaleString()} tokens · ${s.groups.length} group${s.groups.length === 1 ? '' : 's'} × ${s.experts_per_group.toLocaleString()} experts · active when S > ${s.threshold}`;
  $('group').innerHTML = s.groups.map((g) => `<option value="${g.group}">group ${g.group} (layer ${g.router_layer})</option>`).join('');
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = $('search').value.trim();
    if (q) location.hash = `g=${$('group').value}&q=${encodeURIComponent(q)}`;
  });
  window.addEventListener('hashchange', route);
  route();
}

function params() {
  const p = {};
  for (const kv of location.hash.replace(/^#/, '').split('&')) {
    const i = kv.indexOf('=');
    if (i > 0) p[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
  }
  return p;
}

async function route() {
  const p = params();
  const g = p.g !== undefined ? Number(p.g) : 0;
  $('group').value = String(g);
  try {
    if (p.e !== undefined) await showExpert(g, Number(p.e));
    else if (p.q !== undefined) await search(g, p.q);
    else overview(g);
  } catch (err) {
    $('main').innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

function groupInfo(g) {
  const info = MonetAtlas.summary.groups[g];
  if (!info) throw new Error(`group ${g} does not exist (the atlas has groups 0 to ${MonetAtlas.summary.groups.length - 1})`);
  return info;
}

function histogram(g, highlightDensity) {
  const h = groupInfo(g).density_histogram, w = 520, ht = 120, n = h.counts.length, max = Math.max(1, ...h.counts);
  const bw = w / n;
  let here = -1;
  if (highlightDensity > 0) here = Math.min(n - 1, Math.max(0, Math.floor((Math.log10(highlightDensity) - h.log10_edges[0]) / (h.log10_edges[1] - h.log10_edges[0]))));
  const bars = h.counts.map((c, i) => {
    const bh = c === 0 ? 0 : Math.max(1, (ht - 20) * c / max);
    return `<rect class="${i === here ? 'here' : 'bar'}" x="${i * bw + 1}" y="${ht - 16 - bh}" width="${Math.max(1, bw - 2)}" height="${bh}"><title>${c} experts, log10 density ${fmt(h.log10_edges[i], 2)} to ${fmt(h.log10_edges[i + 1], 2)}</title></rect>`;
  }).join('');
  const labels = h.log10_edges.filter((_, i) => i % 4 === 0).map((e, k) => `<text x="${k * 4 * bw}" y="${ht - 3}">1e${fmt(e, 0)}</text>`).join('');
  return `<svg id="histogram" width="${w}" height="${ht}" role="img" aria-label="activation density histogram">${bars}${labels}</svg>`;
}

function overview(g) {
  const info = groupInfo(g), listed = MonetAtlas.summary.listed[g] || [];
  const rows = listed.map((x) => `<tr><td><a class="expert" href="#g=${g}&e=${x.expert}">${x.expert}</a></td><td>${x.count.toLocaleString()}</td><td>${fmt(x.max)}</td><td class="context">${show(x.token)}</td></tr>`).join('');
  $('main').innerHTML = `
    <div class="card"><h2>Group ${g} <span class="muted">(router on layer ${info.router_layer})</span></h2>
      <div class="stats"><div class="stat"><b>${info.active_experts.toLocaleString()}</b><span>active experts</span></div>
      <div class="stat"><b>${info.dead_experts.toLocaleString()}</b><span>never active</span></div>
      <div class="stat"><b>${MonetAtlas.summary.tokens.toLocaleString()}</b><span>tokens seen</span></div></div>
      <h3>Activation density (share of tokens on which an expert is active), log scale</h3>${histogram(g, 0)}</div>
    <div class="card"><h3>Most active experts</h3><table><tr><th>expert</th><th>activations</th><th>max score</th><th>top token</th></tr>${rows}</table></div>`;
}

async function expertData(g, e) {
  const s = MonetAtlas.summary, total = s.experts_per_group;
  groupInfo(g);
  if (!Number.isInteger(e) || e < 0 || e >= total) throw new Error(`expert ${e} is out of range: ids run from 0 to ${total - 1} (i·${s.experts_per_axis} + j)`);
  const b = Math.floor(e / s.block), key = g + '/' + b;
  if (!MonetAtlas.blocks[key]) {
    try { await loadScript(`data/g${g}/b${b}.js`); } catch (err) { MonetAtlas.blocks[key] = {}; }
  }
  return (MonetAtlas.blocks[key] || {})[String(e)];
}

async function showExpert(g, e) {
  const x = await expertData(g, e), s = MonetAtlas.summary, E = s.experts_per_axis;
  if (!x) {
    $('main').innerHTML = `<div class="card"><h2>Group ${g} · expert ${e} = (${Math.floor(e / E)}, ${e % E})</h2><p class="muted">Never active on this corpus (score never above ${s.threshold}).</p></div>`;
    return;
  }
  const maxScore = Math.max(...x.top.map((t) => t.score), 1e-9);
  const contexts = x.top.map((t) => {
    const toks = t.pieces.map((p, k) => `<span class="tok${k === t.at ? ' hit' : ''}">${show(p)}</span>`).join('');
    return `<tr class="top-context"><td><span class="scorebar" style="width:${Math.round(60 * t.score / maxScore)}px"></span> ${fmt(t.score)}</td><td class="context">${toks}</td><td class="muted">row ${t.row}, pos ${t.pos}</td></tr>`;
  }).join('');
  const effects = x.effect ? x.effect.map(([p, v]) => `<span class="effect">${show(p)}<i>+${fmt(v, 2)}</i></span>`).join('')
    : '<span class="muted">(the viewer was built without the model; give --model to see them)</span>';
  $('main').innerHTML = `
    <div class="card" id="expert"><h2>Group ${g} · expert <span id="expert-id">${e}</span> = (${x.i}, ${x.j})</h2>
      <div class="stats"><div class="stat"><b id="count">${x.count.toLocaleString()}</b><span>activations</span></div>
      <div class="stat"><b>${(100 * x.density).toPrecision(3)}%</b><span>density</span></div>
      <div class="stat"><b>${fmt(x.mean)}</b><span>mean score when active</span></div>
      <div class="stat"><b>${fmt(x.max)}</b><span>max score</span></div>
      <div class="stat"><b>${x.mean_all.toExponential(2)}</b><span>mean over all tokens</span></div></div>
      <h3>Where this expert sits in the group's density histogram</h3>${histogram(g, x.density)}
      <h3>Output tokens it promotes most (direct effect through the LM head)</h3><div id="effects">${effects}</div></div>
    <div class="card"><h3>Top contexts (highlighted: the token the score is for)</h3><table id="contexts">${contexts}</table></div>`;
}

async function search(g, q) {
  const s = MonetAtlas.summary, E = s.experts_per_axis;
  let m = q.match(/^(?:g(\d+):)?\s*(\d+)$/);
  if (m) { location.hash = `g=${m[1] !== undefined ? m[1] : g}&e=${m[2]}`; return; }
  m = q.match(/^\(?\s*(\d+)\s*,\s*(\d+)\s*\)?$/);
  if (m) {
    const i = Number(m[1]), j = Number(m[2]);
    if (i >= E || j >= E) throw new Error(`(${i}, ${j}) is out of range: i and j run from 0 to ${E - 1}`);
    location.hash = `g=${g}&e=${i * E + j}`;
    return;
  }
  if (!MonetAtlas.tokens) await loadScript('data/tokens.js');
  const t = MonetAtlas.tokens, needle = q.toLowerCase();
  const ids = Object.keys(t.pieces).filter((id) => t.pieces[id].trim().toLowerCase() === needle.trim() || ('#' + id) === needle);
  const rows = [];
  for (const id of ids) for (const [gg, e, score] of (t.index[id] || [])) rows.push({ id, gg, e, score });
  rows.sort((a, b) => b.score - a.score);
  const body = rows.slice(0, 100).map((r) => `<tr><td class="context">${show(t.pieces[r.id])} <span class="muted">#${r.id}</span></td><td>group ${r.gg}</td><td><a class="expert" href="#g=${r.gg}&e=${r.e}">${r.e}</a> (${Math.floor(r.e / E)}, ${r.e % E})</td><td>${fmt(r.score)}</td></tr>`).join('');
  $('main').innerHTML = `<div class="card"><h2>Experts whose top contexts are on “${esc(q)}”</h2>${rows.length ? `<table id="results"><tr><th>token</th><th>group</th><th>expert</th><th>score</th></tr>${body}</table>` : '<p class="muted">No expert has this token among its top contexts.</p>'}</div>`;
}
