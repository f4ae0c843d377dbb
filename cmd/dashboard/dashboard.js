/*
 * lanparty relay dashboard. Polls GET /api/v1/status every POLL_MS with the
 * bearer token (from the URL fragment #token=..., kept in sessionStorage,
 * or typed in), draws rooms and players, keeps HISTORY samples per player
 * for the sparklines, and kicks or revokes with POST .../kick, .../revoke.
 *
 * Every string from the relay (labels, reasons, software, addresses) can
 * come from a peer: it is only ever put in the page with textContent or
 * setAttribute, never as HTML.
 */
"use strict";

const PAGE = { name: "relay", tokenKey: "lanparty-token" };
const HISTORY = 150; /* samples: 5 minutes at POLL_MS */
const RTT_WARN = 150, RTT_BAD = 400; /* ms */
const SVG = "http://www.w3.org/2000/svg";

const samples = new Map(); /* "room/id" -> [{t, bytes, drops, rtt}] */

function fmtBytes(n) {
  const u = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : String(Math.round(n))) + " " + u[i];
}

function fmtRate(bps) { return fmtBytes(bps * 8).replace("B", "bit") + "/s"; }

function fmtDur(s) {
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}

function fmtPct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + " %"; }

/* A sparkline: an SVG polyline per series, each scaled to its own max. */
function sparkline(series) {
  const w = 110, h = 28;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.setAttribute("preserveAspectRatio", "none");
  for (const [cls, vals] of series) {
    if (vals.length < 2) continue;
    const max = Math.max(...vals, 1e-9);
    /* the first minute fills in from the left, then the window scrolls */
    const span = Math.max(vals.length - 1, 29);
    const pts = vals.map((v, i) =>
      ((i * w) / span).toFixed(1) + "," +
      (h - 1 - (v / max) * (h - 3)).toFixed(1));
    const pl = document.createElementNS(SVG, "polyline");
    pl.setAttribute("class", cls);
    pl.setAttribute("points", pts.join(" "));
    svg.appendChild(pl);
  }
  return svg;
}

function record(key, p, now) {
  let h = samples.get(key);
  if (!h) { h = []; samples.set(key, h); }
  const bytes = p.traffic.bytes_in + p.traffic.bytes_out;
  const prev = h[h.length - 1];
  const rate = prev && now > prev.t ? Math.max(0, (bytes - prev.bytes) / ((now - prev.t) / 1000)) : 0;
  const dropsNew = prev ? p.traffic.drops_total - prev.drops : 0;
  h.push({ t: now, bytes: bytes, drops: p.traffic.drops_total, rate: rate,
           dropsNew: dropsNew, rtt: p.rtt_ms ? p.rtt_ms.smoothed : 0 });
  while (h.length > HISTORY) h.shift();
  return h;
}

/* ok, warn or bad, and why. */
function health(p, h, room) {
  const why = [];
  let level = 0;
  const rtt = p.rtt_ms ? p.rtt_ms.smoothed : null;
  if (rtt !== null && rtt >= RTT_BAD) { level = 2; why.push("RTT " + Math.round(rtt) + " ms"); }
  else if (rtt !== null && rtt >= RTT_WARN) { level = Math.max(level, 1); why.push("high RTT"); }
  if (p.last_seen_ms_ago > 15000) { level = 2; why.push("silent " + Math.round(p.last_seen_ms_ago / 1000) + " s"); }
  const last = h[h.length - 1];
  if (last && last.dropsNew > 0) { level = Math.max(level, 1); why.push(last.dropsNew + " drops"); }
  for (const d of ["to_peer", "from_peer"]) {
    const x = p.loss[d];
    if (x !== null && x > 0.05) { level = Math.max(level, 1); why.push("loss " + fmtPct(x)); }
  }
  if (p.role === "client" && room.gateway_id === null) { level = Math.max(level, 1); why.push("no gateway"); }
  return [["ok", "warn", "bad"][level], why];
}

function addrText(list) { return list.map((a) => a.addr).join(", "); }

/* The action button (kick or revoke) that was tapped once, and until
 * when: kept across the re-renders (every POLL_MS) so that the second tap
 * finds it armed. */
let armed = { key: null, until: 0 };

const ACTIONS = {
  kick: { text: "Kick", confirm: "Confirm kick", busy: "Kicking…",
          title: "Disconnect this peer (its client may reconnect)" },
  revoke: { text: "Revoke", confirm: "Confirm revoke", busy: "Revoking…",
            title: "Revoke its invite: it cannot rejoin, and every peer that " +
                   "joined with the same invite is disconnected" },
};

function actionButton(room, p, action) {
  const a = ACTIONS[action];
  const key = room + "/" + p.id;
  const b = el("button", { class: action === "kick" ? "kick" : "kick " + action, type: "button", ["data-" + action]: key,
                           title: a.title + (p.label ? " (invite '" + p.label + "')" : ""), text: a.text });
  const armKey = action + ":" + key;
  const isArmed = () => armed.key === armKey && Date.now() < armed.until;
  if (isArmed()) {
    b.classList.add("armed");
    b.textContent = a.confirm;
  }
  b.addEventListener("click", async () => {
    if (!isArmed()) {
      /* two taps: the first arms it for 4 s (no dialog on a phone) */
      armed = { key: armKey, until: Date.now() + 4000 };
      b.classList.add("armed");
      b.textContent = a.confirm;
      setTimeout(() => { if (!isArmed()) { b.classList.remove("armed"); b.textContent = a.text; } }, 4100);
      return;
    }
    armed = { key: null, until: 0 };
    b.disabled = true;
    b.textContent = a.busy;
    try {
      const r = await fetch("/api/v1/rooms/" + encodeURIComponent(room) + "/peers/" + p.id + "/" + action, {
        method: "POST", headers: { Authorization: "Bearer " + token }, cache: "no-store" });
      if (!r.ok) {
        let why = "HTTP " + r.status;
        try { why += ": " + (await r.json()).error; } catch (e) { /* not JSON */ }
        setError(action + " failed: " + why);
      }
    } catch (e) {
      setError(action + " failed: " + e);
    }
    poll();
  });
  return b;
}

function cell(label, cls, ...kids) {
  const td = el("td", { "data-label": label });
  if (cls) td.className = cls;
  for (const k of kids) td.appendChild(typeof k === "string" ? document.createTextNode(k) : k);
  return td;
}

function peerRow(room, p, now) {
  const key = room.name + "/" + p.id;
  const h = record(key, p, now);
  const [level, why] = health(p, h, room);
  const tr = el("tr", { class: "peer health-" + level, "data-peer": key, "data-mac": p.mac });
  const who = el("div", {}, el("strong", { text: p.label || (p.role === "gateway" ? "gateway" : "player " + p.id) }));
  who.appendChild(el("div", { class: "dim", text: p.role + " #" + p.id + (p.software ? " · " + p.software : "") }));
  tr.appendChild(cell("Player", "", who));
  const net = el("div", {}, el("div", { class: "mono", text: p.mac }));
  net.appendChild(el("div", { class: "mono dim", text: p.remote }));
  tr.appendChild(cell("MAC / remote", "", net));
  const lan = addrText(p.addresses.ipv4.concat(p.addresses.ipv6));
  tr.appendChild(cell("LAN address", "mono addr", lan || (p.role === "gateway" ? "the LAN" : "–")));
  const rtt = p.rtt_ms ? Math.round(p.rtt_ms.smoothed * 10) / 10 + " ms" : "–";
  const rttSpan = el("span", { text: rtt });
  if (p.rtt_ms && p.rtt_ms.smoothed >= RTT_BAD) rttSpan.className = "bad-text";
  else if (p.rtt_ms && p.rtt_ms.smoothed >= RTT_WARN) rttSpan.className = "warn-text";
  tr.appendChild(cell("RTT", "num rtt", rttSpan));
  tr.appendChild(cell("Loss ↓/↑", "num", fmtPct(p.loss.to_peer) + " / " + fmtPct(p.loss.from_peer)));
  const last = h[h.length - 1];
  const tput = el("div", {}, el("div", { text: fmtRate(last.rate) }));
  tput.appendChild(el("div", { class: "dim", text: "in " + fmtBytes(p.traffic.bytes_in) + " · out " + fmtBytes(p.traffic.bytes_out) }));
  tr.appendChild(cell("Traffic", "num", tput));
  tr.appendChild(cell("Last 5 min", "", sparkline([["tput", h.map((x) => x.rate)], ["rtt", h.map((x) => x.rtt)]])));
  const drops = el("div", {}, el("div", { text: String(p.traffic.drops_total) }));
  const reasons = Object.entries(p.traffic.drops).map(([k, v]) => k + " " + v).join(", ");
  if (reasons) drops.appendChild(el("div", { class: "dim", text: reasons }));
  tr.appendChild(cell("Drops", "num", drops));
  const state = el("div", {}, el("div", { text: fmtDur(p.connected_s) }));
  if (why.length) state.appendChild(el("div", { class: level + "-text", text: why.join(", ") }));
  tr.appendChild(cell("Connected", "num", state));
  const acts = el("div", { class: "actions" }, actionButton(room.name, p, "kick"));
  /* an invite to revoke exists only on a closed relay */
  if (p.label) acts.appendChild(actionButton(room.name, p, "revoke"));
  tr.appendChild(cell("", "", acts));
  return tr;
}

function roomSection(room, now) {
  const sec = el("section", { class: "room", "data-room": room.name });
  const h2 = el("h2", {}, el("span", { text: room.name }));
  const gw = room.gateway_id !== null;
  h2.appendChild(el("span", { class: "badge " + (gw ? "ok" : "bad"), text: gw ? "gateway up" : "no gateway" }));
  const clients = room.peers.filter((p) => p.role === "client").length;
  h2.appendChild(el("span", { class: "meta", text: clients + " player" + (clients === 1 ? "" : "s") +
    " · MTU " + room.mtu + " · in " + fmtBytes(room.traffic.bytes_in) + " · out " + fmtBytes(room.traffic.bytes_out) +
    " · drops " + room.traffic.drops_total }));
  sec.appendChild(h2);
  const table = el("table");
  const head = el("tr");
  for (const t of ["Player", "MAC / remote", "LAN address", "RTT", "Loss ↓/↑", "Traffic", "Last 5 min", "Drops", "Connected", ""])
    head.appendChild(el("th", { text: t }));
  table.appendChild(el("thead", {}, head));
  const body = el("tbody");
  const peers = room.peers.slice().sort((a, b) => (a.role === b.role ? a.id - b.id : a.role === "gateway" ? -1 : 1));
  for (const p of peers) body.appendChild(peerRow(room, p, now));
  table.appendChild(body);
  sec.appendChild(table);
  return sec;
}

function render(st) {
  const now = Date.now();
  const main = $("rooms");
  const frag = document.createDocumentFragment();
  const live = new Set();
  for (const room of st.rooms) {
    for (const p of room.peers) live.add(room.name + "/" + p.id);
    frag.appendChild(roomSection(room, now));
  }
  for (const k of Array.from(samples.keys())) if (!live.has(k)) samples.delete(k);
  if (!st.rooms.length) frag.appendChild(el("div", { class: "empty", text: "No rooms yet: nobody has joined." }));
  main.replaceChildren(frag);
  const r = st.relay;
  $("summary").textContent = r.rooms + " room" + (r.rooms === 1 ? "" : "s") + " · " + r.peers + " peer" +
    (r.peers === 1 ? "" : "s") + " · " + (r.closed ? "closed relay" : "open relay") + " · up " + fmtDur(st.uptime_s) +
    " · drops " + r.traffic.drops_total;
  $("version").textContent = "lanparty " + st.version;
  $("updated").textContent = "updated " + new Date(now).toLocaleTimeString();
}
