/*
 * lanparty gateway page. Polls GET /api/v1/status every POLL_MS with the
 * bearer token (from the URL fragment #token=..., kept in sessionStorage,
 * or typed in) and shows the LAN side, the relay connection and the
 * traffic as tables. Every string is put in the page with textContent,
 * never as HTML.
 */
"use strict";

const PAGE = { name: "gateway", tokenKey: "lanparty-gw-token" };

/* A card: a title with a badge, then name/value rows. */
function card(title, badge, level, rows) {
  const sec = el("section", { class: "room", "data-card": title });
  const h2 = el("h2", {}, el("span", { text: title }));
  if (badge) h2.appendChild(el("span", { class: "badge " + level, text: badge }));
  sec.appendChild(h2);
  const table = el("table");
  const body = el("tbody");
  for (const [k, v] of rows) {
    const tr = el("tr", { "data-key": k });
    tr.appendChild(el("th", { text: k }));
    tr.appendChild(el("td", { class: "mono", text: v === null || v === undefined ? "–" : String(v) }));
    body.appendChild(tr);
  }
  table.appendChild(body);
  sec.appendChild(table);
  return sec;
}

function render(st) {
  const lan = st.lan, relay = st.relay, t = st.traffic;
  const drops = Object.entries(t.drops).map(([k, v]) => k + " " + v).join(", ");
  const rtt = relay.rtt_ms ? (Math.round(relay.rtt_ms.smoothed * 10) / 10) + " ms" : null;
  $("rooms").replaceChildren(
    card("LAN " + lan.interface, "link " + lan.link, lan.link === "up" ? "ok" : "bad", [
      ["MAC", lan.mac], ["frames in / out", lan.frames_in + " / " + lan.frames_out],
      ["super-frames split", lan.super_frames + " into " + lan.split_frames + " frames"],
      ["split errors", lan.split_errors], ["checksums completed", lan.checksums_completed],
      ["CAM refreshes", lan.cam_refreshes], ["link downs", lan.link_downs],
      ["dropped while down", lan.dropped_while_down], ["send errors", lan.tx_errors]]),
    card("Relay " + relay.address, relay.state, relay.state === "connected" ? "ok" :
      relay.state === "connecting" ? "warn" : "bad", [
      ["room", relay.room], ["peer id", relay.peer_id], ["players", relay.players],
      ["RTT", rtt], ["MTU", relay.mtu], ["connected for", relay.connected_s === null ? null : relay.connected_s + " s"],
      ["sessions", relay.sessions]]),
    card("Traffic", t.drops_total ? t.drops_total + " drops" : "no drops", t.drops_total ? "warn" : "ok", [
      ["frames to / from relay", t.frames_to_relay + " / " + t.frames_from_relay],
      ["bytes to / from relay", t.bytes_to_relay + " / " + t.bytes_from_relay],
      ["drops by reason", drops || "none"]]));
  $("summary").textContent = lan.interface + " link " + lan.link + " · relay " + relay.state +
    " · up " + st.uptime_s + " s";
  $("version").textContent = "lanparty " + st.version;
  $("updated").textContent = "updated " + new Date().toLocaleTimeString();
}
