// The status page's script: fetches /status.json every 2 s and draws it. Plain
// DOM and inline SVG, no library: the page must work on a shop server with no
// internet and a Content-Security-Policy that allows only this origin.
#include <string_view>

namespace keapsync::engine::status_page {

extern const std::string_view kScript;

const std::string_view kScript = R"JS("use strict";
const $ = (id) => document.getElementById(id);
const fmt = (n) => Math.round(n).toLocaleString("en");
const SVG = "http://www.w3.org/2000/svg";

function age(seconds) {
  if (seconds < 1) return "none";
  if (seconds < 120) return Math.round(seconds) + " s";
  if (seconds < 7200) return Math.round(seconds / 60) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}

function setValue(id, value, text) {
  const el = $(id);
  el.dataset.value = String(value);
  el.textContent = text;
}

function cell(row, text, numeric, value) {
  const td = row.insertCell();
  td.textContent = text;
  if (numeric) td.className = "n";
  if (value !== undefined) td.dataset.value = String(value);
  return td;
}

function svg(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

// One account's last hour: rows delivered (bars), Keap requests (line) and
// Keap's per-minute limit (dashed), on one scale.
function chart(account) {
  const delivered = account.history.delivered, requests = account.history.requests;
  const limit = account.budget.requests_per_minute_limit;
  const top = Math.max(1, limit, ...delivered, ...requests) * 1.1;
  const w = 720, h = 160, n = delivered.length, bw = w / n;
  const y = (v) => h - (v / top) * h;
  const box = svg("svg", {viewBox: `0 0 ${w} ${h + 16}`, role: "img",
                          "aria-label": `last hour of ${account.name}`});
  delivered.forEach((v, i) => {
    if (v > 0) box.append(svg("rect", {x: i * bw + 1, y: y(v), width: bw - 2, height: h - y(v),
                                       fill: "#4a90d9"}));
  });
  const points = requests.map((v, i) => `${i * bw + bw / 2},${y(v)}`).join(" ");
  box.append(svg("polyline", {points, fill: "none", stroke: "#e8871e", "stroke-width": 2}));
  if (limit > 0) {
    box.append(svg("line", {x1: 0, x2: w, y1: y(limit), y2: y(limit), stroke: "#cb2431",
                            "stroke-dasharray": "6 4"}));
  }
  const label = svg("text", {x: 2, y: h + 13, "font-size": 11, fill: "#6a737d"});
  label.textContent = `${account.name}: 60 min ago \u2192 now; top ${fmt(top)} per minute`;
  box.append(label);
  const wrap = document.createElement("div");
  wrap.className = "chart";
  wrap.append(box);
  return wrap;
}

function render(s) {
  $("version").textContent = "v" + s.version;
  $("uptime").textContent = "up " + age(s.now - s.started_at);
  const db = $("database");
  db.textContent = s.database_reachable ? "database ok" : "database unreachable";
  db.className = "badge " + (s.database_reachable ? "ok" : "bad");
  $("updated").textContent = "updated " + new Date(s.now * 1000).toLocaleTimeString();
  let rate = 0, oldest = 0;
  for (const a of s.accounts) {
    rate += a.rate_per_minute.delivered;
    oldest = Math.max(oldest, a.oldest_pending_age_seconds);
  }
  setValue("total-delivered", s.totals.delivered, fmt(s.totals.delivered));
  setValue("total-rate", rate, fmt(rate));
  setValue("total-backlog", s.totals.backlog_rows, fmt(s.totals.backlog_rows));
  setValue("total-oldest", oldest, age(oldest));
  setValue("total-dead", s.totals.dead_rows, fmt(s.totals.dead_rows));

  const blocked = s.accounts.filter((a) => a.reason);
  $("problem").hidden = blocked.length === 0;
  $("problem").textContent = blocked.map((a) => `${a.name}: ${a.state}: ${a.reason}`).join("; ");

  const body = $("accounts").tBodies[0];
  body.replaceChildren();
  const charts = $("charts");
  charts.replaceChildren();
  const dead = $("dead").tBodies[0];
  dead.replaceChildren();
  for (const a of s.accounts) {
    const row = body.insertRow();
    row.dataset.account = a.name;
    cell(row, a.name);
    cell(row, a.auth);
    const state = cell(row, a.state);
    state.className = a.state === "ok" ? "ok" : a.reason ? "bad" : "warn";
    if (a.reason) state.title = a.reason;
    cell(row, fmt(a.backlog_rows), true, a.backlog_rows);
    cell(row, age(a.oldest_pending_age_seconds), true, a.oldest_pending_age_seconds);
    cell(row, fmt(a.delivered), true, a.delivered);
    cell(row, fmt(a.rate_per_minute.delivered), true, a.rate_per_minute.delivered);
    const b = a.budget;
    cell(row, b.used_last_hour_ratio === null ? fmt(b.used_last_hour)
         : `${(100 * b.used_last_hour_ratio).toFixed(1)} % (${fmt(b.used_last_hour)})`, true,
         b.used_last_hour);
    cell(row, b.daily_limit > 0 ? `${fmt(b.daily_used)} / ${fmt(b.daily_limit)}` : "\u2013", true);
    cell(row, fmt(a.dead_rows), true, a.dead_rows);
    charts.append(chart(a));
    for (const [reason, n] of Object.entries(a.dead_by_reason)) {
      const d = dead.insertRow();
      cell(d, a.name);
      cell(d, reason);
      cell(d, fmt(n), true, n);
    }
  }
  if (dead.rows.length === 0) cell(dead.insertRow(), "none since start").colSpan = 3;
}

async function refresh() {
  try {
    const r = await fetch("/status.json", {cache: "no-store"});
    if (!r.ok) throw new Error("status " + r.status);
    render(await r.json());
    document.body.dataset.loaded = "true";
  } catch (e) {
    $("updated").textContent = "daemon not answering (" + e.message + ")";
  }
}

refresh();
setInterval(refresh, 2000);
)JS";

}  // namespace keapsync::engine::status_page
