// The status page's HTML and CSS; the script is in status_script.cpp.
#include "engine/status_page.hpp"

namespace keapsync::engine::status_page {

extern const std::string_view kScript;  // status_script.cpp

namespace {

constexpr std::string_view kHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>keapsync status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/status.css">
<script src="/status.js" defer></script>
</head>
<body>
<header>
  <h1>keapsync</h1>
  <span id="version"></span>
  <span id="uptime"></span>
  <span id="database" class="badge"></span>
  <span id="updated" class="muted">loading&hellip;</span>
</header>
<p id="problem" class="problem" hidden></p>
<section class="tiles">
  <div class="tile"><span class="label">delivered since start</span>
    <span class="value" id="total-delivered" data-value="">&ndash;</span></div>
  <div class="tile"><span class="label">rows per minute (5 min)</span>
    <span class="value" id="total-rate" data-value="">&ndash;</span></div>
  <div class="tile"><span class="label">backlog rows</span>
    <span class="value" id="total-backlog" data-value="">&ndash;</span></div>
  <div class="tile"><span class="label">oldest pending</span>
    <span class="value" id="total-oldest" data-value="">&ndash;</span></div>
  <div class="tile"><span class="label">dead letters</span>
    <span class="value" id="total-dead" data-value="">&ndash;</span></div>
</section>
<h2>Accounts</h2>
<table id="accounts">
  <thead><tr><th>account</th><th>auth</th><th>credentials</th><th>backlog</th>
    <th>oldest pending</th><th>delivered</th><th>rows/min</th><th>Keap budget, last hour</th>
    <th>daily quota</th><th>dead</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Last hour</h2>
<p class="muted">Per minute: <span class="key delivered"></span> rows delivered,
  <span class="key requests"></span> Keap requests, <span class="key limit"></span> Keap's
  per-minute limit. The backlog is counted every 15 s.</p>
<div id="charts"></div>
<h2>Dead letters</h2>
<table id="dead">
  <thead><tr><th>account</th><th>reason</th><th>rows</th></tr></thead>
  <tbody></tbody>
</table>
<p class="muted">Rows dead since the daemon started, by reason class; <code>keapsync dead
  list</code> shows every dead row with its error, <code>keapsync dead retry</code> sends them
  again.</p>
<footer class="muted">From <a href="/status.json">/status.json</a>, refreshed every 2 s;
  <a href="/metrics">/metrics</a>, <a href="/readyz">/readyz</a>.</footer>
</body>
</html>
)HTML";

constexpr std::string_view kCss = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2733; background: #fafbfc; }
header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.4em; margin: 0; }
h2 { font-size: 1.1em; margin: 1.5em 0 0.5em; }
.muted { color: #6a737d; }
.badge { padding: 0.1em 0.5em; border-radius: 3px; background: #e1e4e8; }
.ok { background: #dcffe4; color: #165c26; }
.bad { background: #ffe3e3; color: #86181d; }
.warn { background: #fff5b1; color: #735c0f; }
.problem { padding: 0.5em 1em; background: #ffe3e3; color: #86181d; border-radius: 4px; }
.tiles { display: flex; gap: 1em; flex-wrap: wrap; }
.tile { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 0.6em 1em;
  min-width: 10em; display: flex; flex-direction: column; }
.tile .label { color: #6a737d; font-size: 0.85em; }
.tile .value { font-size: 1.6em; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #e1e4e8; padding: 0.3em 0.7em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.chart { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; margin: 0 0 1em;
  padding: 0.5em; max-width: 760px; }
.chart svg { width: 100%; height: auto; display: block; }
.key { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: middle; }
.key.delivered { background: #4a90d9; }
.key.requests { background: #e8871e; }
.key.limit { background: #cb2431; }
)CSS";

}  // namespace

const Asset* find(std::string_view path) {
  static const Asset html{"text/html; charset=utf-8", kHtml};
  static const Asset css{"text/css; charset=utf-8", kCss};
  static const Asset script{"text/javascript; charset=utf-8", kScript};
  if (path == "/") return &html;
  if (path == "/status.css") return &css;
  if (path == "/status.js") return &script;
  return nullptr;
}

}  // namespace keapsync::engine::status_page
