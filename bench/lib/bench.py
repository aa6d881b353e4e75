#!/usr/bin/env python3
"""Helpers of bench/run: parse what the run observed, and print the table.

  bench.py metrics URL            the daemon's /metrics, summed: "delivered requests throttled"
  bench.py stats URL CA           the sandbox's /_sandbox/stats, as JSON on one line
  bench.py statsdelta FILE FILE   between two saved stats, /token left out:
                                  "requests throttled {route: count, ...}"
  bench.py phplog FILE FROM TO    the PHP loop's call log between two unix times:
                                  "rows requests throttled"
  bench.py latency STATE INSERTS PREFIX
                                  INSERT -> arrival at the sandbox for the contacts whose
                                  e-mail starts with PREFIX: "count p50_ms p99_ms max_ms"
  bench.py table RESULTS          the table, from the KEY=VALUE lines bench/run wrote

Standard library only (the bench runs on a bare Debian with python3).
"""
import json
import math
import ssl
import sys
import urllib.request


def fetch(url, ca=None):
    ctx = ssl.create_default_context(cafile=ca) if url.startswith("https") else None
    with urllib.request.urlopen(url, context=ctx, timeout=30) as r:
        return r.read().decode()


def metrics(url):
    delivered = requests = throttled = 0.0
    for line in fetch(url).splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        if name == "keapsync_rows_delivered_total":
            delivered += float(value)
        elif name == "keapsync_keap_requests_total" and "/token" not in name_labels:
            requests += float(value)
            if 'status="429"' in name_labels:
                throttled += float(value)
    print(int(delivered), int(requests), int(throttled))


def stats(url, ca):
    print(json.dumps(json.loads(fetch(url, ca)), separators=(",", ":")))


def statsdelta(before, after):
    def load(path):
        with open(path) as f:
            routes = json.load(f)["routes"]
        return {(r, st): n for r, by in routes.items() if not r.endswith("/token") for st, n in by.items()}
    b, a = load(before), load(after)
    delta = {k: n - b.get(k, 0) for k, n in a.items() if n - b.get(k, 0)}
    by_route = {}
    for (route, _), n in delta.items():
        by_route[route] = by_route.get(route, 0) + n
    throttled = sum(n for (_, st), n in delta.items() if st == "429")
    print(sum(delta.values()), throttled, json.dumps(by_route, separators=(",", ":")))


def phplog(path, start, end):
    start, end = float(start), float(end)
    rows = requests = throttled = 0
    try:
        with open(path) as f:
            for line in f:
                t, what = line.split()
                if not start <= float(t) < end:
                    continue
                if what == "row":
                    rows += 1
                else:
                    requests += 1
                    throttled += what == "429"
    except FileNotFoundError:
        pass
    print(rows, requests, throttled)


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    k = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[k]


def latency(state_path, inserts_path, prefix):
    """The sandbox stamps a contact's creation in whole milliseconds (truncated),
    so half a millisecond is added: each figure is within 0.5 ms."""
    with open(state_path) as f:
        state = json.load(f)
    arrived = {}
    for c in state["contacts"]["contacts"]:
        emails = c["fields"].get("email_addresses") or []
        if emails and emails[0]["email"].startswith(prefix):
            arrived[emails[0]["email"].split("@")[0]] = c["created_ms"] + 0.5
    lat = []
    with open(inserts_path) as f:
        for line in f:
            line = line.strip()
            if not line or "|" not in line:
                continue
            ref, created = line.split("|")
            if ref in arrived:
                lat.append(arrived[ref] - float(created) * 1000)
    if not lat:
        print(0, "nan", "nan", "nan")
        return
    lat.sort()
    print(len(lat), f"{percentile(lat, 50):.2f}", f"{percentile(lat, 99):.2f}", f"{lat[-1]:.2f}")


# ---- the table ----------------------------------------------------------------


def num(v, digits=None):
    if v is None or v == "":
        return ""
    try:
        x = float(v)
    except ValueError:
        return str(v)
    if math.isnan(x):
        return "n/a"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2 if abs(x) >= 0.1 else 3
    return f"{x:,.{digits}f}"


def sig(x):
    """Enough digits to tell a value from its target."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def verdict(value, op, target):
    """'met', or by how much the target is missed."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "not measured"
    if math.isnan(v):
        return "not measured"
    if op == ">=":
        if v >= target:
            return "met"
        return f"MISSED by {sig(target - v)}: {sig(v)} of {sig(target)} ({(v - target) / target * 100:+.0f} %)"
    if op == "<":
        if v < target:
            return "met"
    else:  # "<="
        if v <= target:
            return "met"
    if target == 0:
        return f"MISSED by {sig(v)}"
    return f"MISSED by {sig(v - target)}: {sig(v)} is {v / target:.2g}x the target"


def table(path):
    r = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                r[k] = v
    g = r.get
    out = []

    def head(text):
        out.append(text)

    def line(label, ks="", php="", target="", check=None):
        cells = f"  {label:<46}{ks:>13}{php:>11}  {target:<10}"
        out.append((cells + (check or "")).rstrip())

    def pct(k):
        return num(g(k), 1) + " %" if g(k) else ""

    head(f"bench/run{' --quick' if g('mode') == 'quick' else ''}: {g('date')}, commit {g('commit')}"
         + (f" + uncommitted changes in {g('dirty')}" if g("dirty") else ""))
    head(f"machine: {g('cpus')} x {g('cpu')}, {g('ram')} RAM, Debian {g('debian')}; "
         f"load average {g('load_start')} at the start, {g('load_end')} at the end; wall time {g('wall')}")
    head(f"keapsync: {g('binary')}")
    head(f"PHP loop: bench/baseline/cron.php ({g('php')}, PDO pgsql, one curl keep-alive handle, "
         "a call per row and tag, a DELETE per row)")
    head("peer: keapsync sandbox on 127.0.0.1 (2 server threads); PostgreSQL 15, fsync off")
    head("")
    head(f"  {'':<46}{'keapsync':>13}{'PHP loop':>11}  {'target':<10}keapsync vs target")

    head("1. one OAuth app each, Keap's limits (25/s, 1,500/min), both at once (tenant limit lifted);")
    head(f"   new contacts, 1 row each; {g('s1_run')} s per latency, measured {g('s1_window')};")
    head("   the PHP loop runs from cron: at the start and each minute")
    for lat, name in (("0", "0 ms"), ("300", "300 ms"), ("1000", "1 s")):
        tgt = lat != "0"
        line(f"Keap at {name}: rows/s", num(g(f"s1_{lat}_ks_rows")), num(g(f"s1_{lat}_php_rows")))
        line("  share of 25/s used (429s not counted)", pct(f"s1_{lat}_ks_share"), pct(f"s1_{lat}_php_share"),
             ">= 99 %" if tgt else "", verdict(g(f"s1_{lat}_ks_share"), ">=", 99) if tgt else None)
        line("  429s", num(g(f"s1_{lat}_ks_429"), 0), num(g(f"s1_{lat}_php_429"), 0),
             "0" if tgt else "", verdict(g(f"s1_{lat}_ks_429"), "<=", 0) if tgt else None)
        if g(f"s1_{lat}_ks_429_first") is not None:
            line("  (429s in the first minute)", num(g(f"s1_{lat}_ks_429_first"), 0),
                 num(g(f"s1_{lat}_php_429_first"), 0))

    head("2. limits lifted: sandbox limits raised; keapsync: an API key, requests_per_second 10,000")
    head("   (the configuration's maximum), worker and account concurrency 256 (the maximum);")
    head(f"   new contacts, 1 row each: keapsync drains {num(g('s2_rows0'), 0)} / {num(g('s2_rows100'), 0)} rows,"
         f" the PHP loop {num(g('s2_php_rows0'), 0)} rows / runs {g('s2_php_secs100')} s")
    line("Keap at 0 ms: rows/s", num(g("s2_0_ks_rows")), num(g("s2_0_php_rows")), ">= 20,000",
         verdict(g("s2_0_ks_rows"), ">=", 20000))
    line("Keap at 100 ms: rows/s", num(g("s2_100_ks_rows")), num(g("s2_100_php_rows")), ">= 2,000",
         verdict(g("s2_100_ks_rows"), ">=", 2000))

    head(f"3. light load: {g('s3_rate')} INSERTs/s, one a statement, for {g('s3_secs')} s; shop config (OAuth,"
         " Keap's limits);")
    head("   INSERT (the row's created_at) -> request at the sandbox (the contact's creation stamp,")
    head("   whole ms, from the sandbox's --state file; +0.5 ms, so each figure is within 0.5 ms)")
    line("rows at the sandbox by the end, of those inserted", f"{g('s3_ks_n')} of {g('s3_ks_inserted')}",
         f"{g('s3_php_n')} of {g('s3_php_inserted')}" if g("s3_php_inserted") else "not run")
    head("   (the PHP loop's cron runs stop at the first batch Keap refuses entirely: 25/s, then 429s)")
    line("p50 ms, of the rows that arrived", num(g("s3_ks_p50"), 2), num(g("s3_php_p50"), 0),
         "< 2", verdict(g("s3_ks_p50"), "<", 2))
    line("p99 ms", num(g("s3_ks_p99"), 2), num(g("s3_php_p99"), 0), "< 10", verdict(g("s3_ks_p99"), "<", 10))
    line("max ms", num(g("s3_ks_max"), 2), num(g("s3_php_max"), 0))

    head(f"4. burst: {num(g('s4_rows'), 0)} changes over {num(g('s4_contacts'), 0)} contacts (10 INSERT statements,"
         " one change per contact each,")
    head("   into a running daemon), shop config; requests counted by the sandbox (/_sandbox/stats)")
    line("Keap requests per change", num(g("s4_rpc"), 4), "1 *", "<= 0.11", verdict(g("s4_rpc"), "<=", 0.11))
    line("  Keap requests", num(g("s4_requests"), 0))
    routes = json.loads(g("s4_routes") or "{}")
    head("    " + ", ".join(f"{n:,} {route.replace('/rest/v2', '')}" for route, n in
                          sorted(routes.items(), key=lambda kv: -kv[1])))
    line("  drained in s", num(g("s4_secs")))

    head(f"5. tag campaign: {num(g('s5_rows'), 0)} known contacts get one tag (one INSERT), shop config: an OAuth"
         " app,")
    head(f"   concurrency {g('s5_conc')} (its default); applyTags carries the contacts in flight, so at best"
         " 1/concurrency")
    line("Keap requests per change", num(g("s5_rpc"), 4), "2 *", "<= 0.02", verdict(g("s5_rpc"), "<=", 0.02))
    line(f"  the same at concurrency {g('s5b_conc')} (best case {1 / float(g('s5b_conc') or 1):.3f})",
         num(g("s5b_rpc"), 4), "", "<= 0.02", verdict(g("s5b_rpc"), "<=", 0.02))

    head("6. CPU per delivered row, user + system from /proc/<pid>/stat, in the runs of 2. (limits lifted)")
    for lat in ("0", "100"):
        line(f"keapsync daemon | PHP process, {lat} ms: µs/row", num(g(f"s6_{lat}_ks_cpu"), 0),
             num(g(f"s6_{lat}_php_cpu"), 0), "<= 50", verdict(g(f"s6_{lat}_ks_cpu"), "<=", 50))
        line(f"  PostgreSQL, all its processes: µs/row", num(g(f"s6_{lat}_ks_pg"), 0), num(g(f"s6_{lat}_php_pg"), 0))
        line(f"  the sandbox (the peer): µs/row", num(g(f"s6_{lat}_ks_sb"), 0), num(g(f"s6_{lat}_php_sb"), 0))
        line(f"  both cores busy (all processes)", pct(f"s6_{lat}_ks_busy"), pct(f"s6_{lat}_php_busy"))
    line("PHP loop, reference figure: µs/row", "", "106")

    head(f"7. idle CPU, then memory (VmRSS, VmHWM from /proc/<pid>/status) over a {num(g('s7_backlog'), 0)}-row"
         " backlog of one")
    head("   account: first the shop's config drains it, then the lifted one (2.)")
    line(f"idle CPU, % of a core ({g('s7_idle_secs')} s, empty outbox)", num(g("s7_idle"), 3) + " %", "",
         "< 0.05 %", verdict(g("s7_idle"), "<", 0.05))
    line("RSS MiB of that idle daemon (shop config)", num(g("s7_idle_rss"), 1))
    line("peak RSS MiB of each shop-config daemon in 1.-5.", num(g("s7_all_shop_hwm"), 1), "", "<= 20",
         verdict(g("s7_all_shop_hwm"), "<=", 20))
    for key, name in (("s7_shop", "shop config"), ("s7_lifted", "limits lifted")):
        line(f"{name}, {g(key + '_secs')} s: peak RSS MiB", num(g(key + "_hwm"), 1), "", "<= 20",
             verdict(g(key + "_hwm"), "<=", 20))
        line(f"  RSS MiB every {int(g(key + '_secs') or 0) // 6} s", "", "", "flat")
        head(f"    {', '.join(num(x, 1) for x in (g(key + '_rss') or '').split())}")
        line("  rows drained; rows/s", f"{num(g(key + '_drained'), 0)}; {num(g(key + '_rate'), 0)}")
    head("")
    head("* not run: one call per row plus one applyTags per tag, by the loop's design (and a tag-only")
    head("  row would need the e-mail to find the contact)")
    print("\n".join(out))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"metrics": metrics, "stats": stats, "statsdelta": statsdelta, "phplog": phplog, "latency": latency, "table": table}[cmd](*args)


if __name__ == "__main__":
    main()
