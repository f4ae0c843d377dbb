/*
 * What the relay's dashboard and the gateway's page share: the bearer
 * token (from the URL fragment #token=..., kept in sessionStorage, or
 * typed in), polling GET /api/v1/status every POLL_MS, and building
 * elements. The page's own script (served as /dashboard.js) defines
 * PAGE = { name, tokenKey } and render(status).
 *
 * Every string from the daemon (labels, reasons, software, addresses) can
 * come from a peer: it is only ever put in the page with textContent or
 * setAttribute, never as HTML.
 */
"use strict";

const POLL_MS = 2000;

let token = null;
let timer = null;

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k) e.appendChild(k);
  return e;
}

function setError(msg) {
  const e = $("error");
  e.textContent = msg || "";
  e.hidden = !msg;
}

async function poll() {
  clearTimeout(timer);
  try {
    const r = await fetch("/api/v1/status", { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
    if (r.status === 401) {
      sessionStorage.removeItem(PAGE.tokenKey);
      token = null;
      setError("The token was refused.");
      $("login").hidden = false;
      return;
    }
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    setError("");
  } catch (e) {
    setError("Cannot reach the " + PAGE.name + ": " + e.message);
  }
  timer = setTimeout(poll, POLL_MS);
}

function start() {
  document.title = "lanparty " + PAGE.name;
  $("sub").textContent = PAGE.name;
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(PAGE.tokenKey, decodeURIComponent(m[1]));
    /* keep the token out of the address bar and the history */
    window.history.replaceState(null, "", location.pathname);
  }
  token = sessionStorage.getItem(PAGE.tokenKey);
  $("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    token = $("token").value.trim();
    if (!token) return;
    sessionStorage.setItem(PAGE.tokenKey, token);
    $("login").hidden = true;
    poll();
  });
  if (!token) {
    $("login").hidden = false;
    $("summary").textContent = "needs the admin token";
    return;
  }
  poll();
}

document.addEventListener("DOMContentLoaded", start);
