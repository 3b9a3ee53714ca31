// The lngym dashboard: draws what the bridge's WebSocket stream says, and nothing else.
// Every collection it keeps is bounded (feed rows, chart points, marks), so a page left
// open for days uses the same memory as after a minute. It reconnects by itself.
"use strict";

const FEED_ROWS = 200;        // rows kept in the feed
const CHART_POINTS = 600;     // points kept on the success-rate chart
const CHART_MARKS = 80;       // agent actions kept on the chart
const ROLLING = 50;           // payments in the rolling success rate
const LISTED = 30;            // channels listed (the most one-sided ones beyond that)
const NODE_LABELS = 30;       // node names written on a large graph
const SHARE_LABELS = 12;      // up to this many channels, the graph writes both shares
const ACTED_MS = 4000;        // how long an acted-on channel stays highlighted
const SVG = "http://www.w3.org/2000/svg";

const config = JSON.parse(document.getElementById("lngym-config").textContent);
const token = new URLSearchParams(location.search).get("token");

// Counters for people (and tests) reading the page from the console.
const counters = { hellos: 0, transactions: 0, failures: 0, channelUpdates: 0, envSteps: 0, dropped: 0 };
window.lngym = counters;

const state = {
  topology: "",           // JSON of the hello's nodes and channels, to notice a new network
  nodes: [],              // display names
  channels: [],           // {index, a, b, capacity, balanceA, balanceB, active, actedUntil}
  byPair: new Map(),      // "a|b" -> channel index (both orders)
  svg: [],                // per channel: {group, sideA, sideB, textA, textB, halo}
  positions: new Map(),
  outcomes: [],           // the last ROLLING payment outcomes (ring)
  outcomeSum: 0,
  payments: 0, successes: 0, volume: 0, fees: 0, actions: 0,
  points: [],             // {n, rate}
  rewards: [],            // {n, reward}
  marks: [],              // {n, ok}
  pendingRows: [],        // feed rows not drawn yet (bounded by FEED_ROWS)
  scheduled: false,
  expiryTimer: null,
};

const short = (name) => (name.startsWith("lnd-") ? name.slice(4) : name);
const pct = (x) => (100 * x).toFixed(1) + "%";
const sat = (x) => Math.round(x).toLocaleString("en-US") + " sat";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgEl(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

// -- topology (hello) -------------------------------------------------------------------------

function onHello(hello) {
  counters.hellos += 1;
  const source = hello.mode === "env" ? `env ${hello.env_id}` : "lngym simulate";
  document.getElementById("source").textContent = `${source} · scenario ${hello.scenario}`;
  const topology = JSON.stringify([hello.nodes.map((n) => n.name), hello.channels]);
  if (topology !== state.topology) {
    state.topology = topology;
    state.nodes = hello.nodes.map((n) => short(n.name));
    state.channels = hello.channels.map((c) => ({
      index: c.index, a: short(c.a), b: short(c.b), capacity: c.capacity,
      balanceA: null, balanceB: null, active: true, actedUntil: 0,
    }));
    state.byPair = new Map();
    for (const c of state.channels) {
      state.byPair.set(`${c.a}|${c.b}`, c.index);
      state.byPair.set(`${c.b}|${c.a}`, c.index);
    }
    buildGraph();
    schedule();
  }
  if (hello.mode === "env") send({ type: "subscribe", events: true, env_steps: true });
}

function degrees() {
  const degree = new Map(state.nodes.map((n) => [n, 0]));
  for (const c of state.channels) {
    degree.set(c.a, degree.get(c.a) + 1);
    degree.set(c.b, degree.get(c.b) + 1);
  }
  return degree;
}

// The layout of lngym.envs.render: a circle for a small network, else a sunflower spiral
// in order of degree (hubs in the middle).
function layout() {
  const nodes = state.nodes, positions = new Map();
  if (nodes.length <= 12) {
    nodes.forEach((name, i) => {
      const angle = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
      positions.set(name, [50 + 38 * Math.cos(angle), 50 + 38 * Math.sin(angle)]);
    });
    return positions;
  }
  const degree = degrees();
  const ranked = [...nodes].sort((x, y) => degree.get(y) - degree.get(x));
  const golden = Math.PI * (3 - Math.sqrt(5));
  ranked.forEach((name, i) => {
    const r = 46 * Math.sqrt((i + 0.5) / ranked.length);
    positions.set(name, [50 + r * Math.cos(i * golden), 50 + r * Math.sin(i * golden)]);
  });
  return positions;
}

function labelledNodes() {
  if (state.nodes.length <= NODE_LABELS) return state.nodes;
  const degree = degrees(), chosen = [];
  for (const name of [...state.nodes].sort((x, y) => degree.get(y) - degree.get(x))) {
    const [x, y] = state.positions.get(name);
    const free = chosen.every((other) => {
      const [ox, oy] = state.positions.get(other);
      return Math.abs(x - ox) > 9 || Math.abs(y - oy) > 3.5;
    });
    if (free) chosen.push(name);
    if (chosen.length === NODE_LABELS) break;
  }
  return chosen;
}

function buildGraph() {
  const svg = document.getElementById("graph");
  svg.replaceChildren();
  state.positions = layout();
  const crowded = state.channels.length > 50;
  const width = crowded ? 0.25 : 1.6;
  const channels = svgEl("g", { class: "channels" }, svg);
  state.svg = state.channels.map((c) => {
    const group = svgEl("g", { class: "channel", "data-channel-index": c.index }, channels);
    const [x1, y1] = state.positions.get(c.a), [x2, y2] = state.positions.get(c.b);
    const line = (cls, w) => svgEl("line", { class: cls, x1, y1, x2, y2, "stroke-width": w }, group);
    const parts = { group, halo: line("halo", width * 3), sideA: line("side-a", width), sideB: line("side-b", width) };
    parts.halo.setAttribute("visibility", "hidden");
    if (state.channels.length <= SHARE_LABELS) {
      parts.textA = svgEl("text", { x: x1 + (x2 - x1) * 0.25, y: y1 + (y2 - y1) * 0.25, class: "share-a" }, group);
      parts.textB = svgEl("text", { x: x1 + (x2 - x1) * 0.75, y: y1 + (y2 - y1) * 0.75, class: "share-b" }, group);
    }
    return parts;
  });
  const nodes = svgEl("g", { class: "nodes" }, svg);
  const labelled = new Set(labelledNodes());
  for (const name of state.nodes) {
    const [x, y] = state.positions.get(name);
    const group = svgEl("g", { class: "node", "data-node": name }, nodes);
    svgEl("circle", { cx: x, cy: y, r: crowded ? 0.35 : 2.2 }, group);
    if (labelled.has(name)) {
      const dx = x - 50, dy = y - 50, norm = Math.hypot(dx, dy) || 1, out = crowded ? 0 : 6;
      svgEl("text", { x: x + (dx / norm) * out, y: y + (dy / norm) * out }, group).textContent = name;
    }
  }
}

// -- messages ---------------------------------------------------------------------------------

function onChannelUpdate(data) {
  counters.channelUpdates += 1;
  for (const [node, entries] of Object.entries(data)) {
    for (const entry of entries) {
      const channel = state.channels[entry.channel_index];
      if (!channel || channel.a !== short(node)) continue; // each channel read once, from its a side
      channel.balanceA = entry.local_balance;
      channel.balanceB = entry.remote_balance;
      channel.active = entry.active;
    }
  }
  schedule();
}

function onTransaction(tx) {
  counters.transactions += 1;
  if (!tx.success) counters.failures += 1;
  if (tx.kind === "payment") {
    state.payments += 1;
    if (tx.success) {
      state.successes += 1;
      state.volume += tx.amount;
      state.fees += tx.fee;
    }
    const ok = tx.success ? 1 : 0;
    state.outcomes.push(ok);
    state.outcomeSum += ok;
    if (state.outcomes.length > ROLLING) state.outcomeSum -= state.outcomes.shift();
    pushBounded(state.points, { n: state.payments, rate: state.outcomeSum / state.outcomes.length }, CHART_POINTS);
  } else {
    state.actions += 1;
    pushBounded(state.marks, { n: state.payments, ok: tx.success }, CHART_MARKS);
    const index = state.byPair.get(`${short(tx.sender)}|${short(tx.receiver)}`);
    if (index !== undefined) state.channels[index].actedUntil = performance.now() + ACTED_MS;
  }
  pushBounded(state.pendingRows, tx, FEED_ROWS);
  schedule();
}

function onEnvStep(message) {
  counters.envSteps += 1;
  const reward = message.reward === null ? "–" : message.reward.toFixed(3);
  const rate = message.success_rate === null ? "–" : pct(message.success_rate);
  document.getElementById("episode").textContent =
    `episode ${message.episode} · step ${message.step} · reward ${reward} · step success ${rate}`;
  if (message.reward !== null) pushBounded(state.rewards, { n: state.payments, reward: message.reward }, CHART_POINTS);
  schedule();
}

function pushBounded(list, item, limit) {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

function handle(message) {
  if (message.dropped) counters.dropped += message.dropped;
  if (message.type === "hello") onHello(message);
  else if (message.type === "channel_update") onChannelUpdate(message.data);
  else if (message.type === "transaction") onTransaction(message.data);
  else if (message.type === "env_step") onEnvStep(message);
}

// -- drawing (coalesced: at most one redraw per 50 ms, however fast messages come) -----------

function schedule() {
  if (state.scheduled) return;
  state.scheduled = true;
  setTimeout(() => {
    state.scheduled = false;
    drawGraph();
    drawChannels();
    drawFeed();
    drawChart();
    drawTotals();
    armExpiry();
  }, 50);
}

// One timer redraws when the earliest highlight should end (never one timer per action).
function armExpiry() {
  const now = performance.now();
  const ends = state.channels.map((c) => c.actedUntil).filter((t) => t > now);
  if (!ends.length || state.expiryTimer) return;
  state.expiryTimer = setTimeout(() => {
    state.expiryTimer = null;
    schedule();
  }, Math.min(...ends) - now + 20);
}

function shares(c) {
  if (c.balanceA === null) return null;
  return [c.balanceA / c.capacity, c.balanceB / c.capacity];
}

function drawGraph() {
  const now = performance.now();
  state.channels.forEach((c, i) => {
    const parts = state.svg[i], s = shares(c);
    if (!parts || !s) return;
    const [x1, y1] = state.positions.get(c.a), [x2, y2] = state.positions.get(c.b);
    // a's part from a, b's part from b; what is in neither balance (commit fees in flight) stays a gap.
    parts.sideA.setAttribute("x2", x1 + (x2 - x1) * s[0]); parts.sideA.setAttribute("y2", y1 + (y2 - y1) * s[0]);
    parts.sideB.setAttribute("x1", x2 - (x2 - x1) * s[1]); parts.sideB.setAttribute("y1", y2 - (y2 - y1) * s[1]);
    parts.group.classList.toggle("inactive", !c.active);
    parts.halo.setAttribute("visibility", c.actedUntil > now ? "visible" : "hidden");
    if (parts.textA) {
      parts.textA.textContent = pct(s[0]);
      parts.textB.textContent = pct(s[1]);
    }
  });
}

function listedChannels() {
  const known = state.channels.filter((c) => c.balanceA !== null);
  if (state.channels.length <= LISTED) return state.channels;
  const skew = (c) => Math.abs(c.balanceA / c.capacity - 0.5);
  return known.sort((x, y) => skew(y) - skew(x)).slice(0, LISTED).sort((x, y) => x.index - y.index);
}

function drawChannels() {
  const listed = listedChannels(), now = performance.now();
  document.getElementById("channels-title").textContent = listed.length < state.channels.length
    ? `The ${listed.length} most one-sided of ${state.channels.length.toLocaleString("en-US")} channels`
    : "Channels";
  const rows = listed.map((c) => {
    const row = el("div", "channel-row");
    row.dataset.channelIndex = c.index;
    row.classList.toggle("acted", c.actedUntil > now);
    row.classList.toggle("inactive", !c.active);
    const s = shares(c);
    row.append(el("span", "name", `${c.a} – ${c.b}`));
    const bar = el("span", "bar"), partA = el("span", "part-a"), partB = el("span", "part-b");
    bar.append(partA, partB);
    if (s) {
      row.dataset.balanceA = c.balanceA;
      row.dataset.balanceB = c.balanceB;
      partA.style.width = pct(s[0]);
      partB.style.width = pct(s[1]);
      bar.title = `${c.a}: ${sat(c.balanceA)}, ${c.b}: ${sat(c.balanceB)} of ${sat(c.capacity)}`;
    }
    row.append(el("span", "share share-a", s ? pct(s[0]) : "–"), bar, el("span", "share share-b", s ? pct(s[1]) : "–"));
    return row;
  });
  document.getElementById("channels").replaceChildren(...rows);
}

function drawFeed() {
  if (!state.pendingRows.length) return;
  const feed = document.getElementById("feed"), fragment = document.createDocumentFragment();
  for (const tx of state.pendingRows.reverse()) fragment.append(feedRow(tx));
  state.pendingRows = [];
  feed.prepend(fragment);
  while (feed.rows.length > FEED_ROWS) feed.lastElementChild.remove();
}

function feedRow(tx) {
  const row = el("tr", tx.success ? "ok" : "failed");
  if (tx.kind !== "payment") row.classList.add("action");
  const time = new Date(tx.timestamp * 1000).toLocaleTimeString("en-GB");
  const outcome = tx.success ? "ok" : `failed: ${tx.failure_reason || "no reason given"}`;
  const route = tx.route.map(short).join(" → ");
  row.append(
    el("td", "time", time), el("td", "", ""), el("td", "pair", `${short(tx.sender)} → ${short(tx.receiver)}`),
    el("td", "num amount", sat(tx.amount)), el("td", "outcome", outcome),
    el("td", "num fee", tx.success ? `${tx.fee.toFixed(3)} sat` : "–"), el("td", "route", route),
  );
  row.children[1].append(el("span", "kind", tx.kind));
  if (tx.attempts > 1) row.title = `${tx.attempts} attempts`;
  return row;
}

function drawChart() {
  const canvas = document.getElementById("chart"), g = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, left = 44, right = 10, top = 12, bottom = 30;
  g.clearRect(0, 0, w, h);
  g.font = "12px system-ui, sans-serif";
  g.fillStyle = "#666";
  g.strokeStyle = "#ddd";
  const first = state.points.length ? state.points[0].n : 0, last = Math.max(first + 1, state.payments);
  const x = (n) => left + ((n - first) / (last - first)) * (w - left - right);
  const y = (v) => top + (1 - Math.min(1, Math.max(0, v))) * (h - top - bottom);
  for (const v of [0, 0.5, 1]) {
    g.beginPath(); g.moveTo(left, y(v)); g.lineTo(w - right, y(v)); g.stroke();
    g.fillText(`${v * 100}%`, 4, y(v) + 4);
  }
  g.fillText(`payments ${first.toLocaleString("en-US")} – ${last.toLocaleString("en-US")}`, left, h - 8);
  for (const mark of state.marks) {
    if (mark.n < first) continue;
    g.strokeStyle = mark.ok ? "#2ca02c" : "#d62728";
    g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(x(mark.n), top); g.lineTo(x(mark.n), h - bottom); g.stroke();
    g.setLineDash([]);
    g.fillStyle = g.strokeStyle;
    g.beginPath(); g.moveTo(x(mark.n) - 4, top - 8); g.lineTo(x(mark.n) + 4, top - 8); g.lineTo(x(mark.n), top); g.fill();
  }
  const line = (points, key, colour) => {
    const shown = points.filter((p) => p.n >= first);
    if (!shown.length) return;
    g.strokeStyle = colour; g.lineWidth = 2; g.beginPath();
    shown.forEach((p, i) => (i ? g.lineTo(x(p.n), y(p[key])) : g.moveTo(x(p.n), y(p[key]))));
    g.stroke(); g.lineWidth = 1;
  };
  line(state.points, "rate", "#1f77b4");
  line(state.rewards, "reward", "#9467bd");
}

function drawTotals() {
  const rate = state.payments ? pct(state.successes / state.payments) : "–";
  let text = `${state.payments.toLocaleString("en-US")} payments, ${rate} succeeded, ${sat(state.volume)} sent, ` +
    `${state.fees.toFixed(3)} sat in fees; ${state.actions.toLocaleString("en-US")} rebalances and swaps`;
  if (counters.dropped) text += `; ${counters.dropped.toLocaleString("en-US")} messages dropped (this page fell behind)`;
  document.getElementById("totals").textContent = text;
}

// -- connection -------------------------------------------------------------------------------

let socket = null;
let retryMs = 500;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function setStatus(cls, text) {
  const status = document.getElementById("status");
  status.className = `status ${cls}`;
  status.textContent = text;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  socket = new WebSocket(`${scheme}://${location.hostname}:${config.websocket_port}/${query}`);
  socket.onopen = () => {
    retryMs = 500;
    setStatus("connected", "connected");
  };
  socket.onmessage = (event) => handle(JSON.parse(event.data));
  socket.onclose = () => {
    setStatus("disconnected", `disconnected; retrying in ${(retryMs / 1000).toFixed(1)} s`);
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
}

connect();
