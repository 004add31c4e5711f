#!/usr/bin/env python3
"""Summary of one scripts/bench.sh run: raw figures, ratios against their targets, OUT/bench.json.

usage: summary.py OUT DOSSIERS SECS
"""
import datetime
import json
import os
import platform
import subprocess
import sys

out, dossiers, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def ok_per_s(name):
    r = load(f"wrk-{name}.json")
    return (r["requests"] - r["non_2xx"]) / r["duration_s"]


def mb_per_s(name):
    # Request bytes sent: every request carried the same body (bytes received are the answers).
    r = load(f"wrk-{name}.json")
    size = os.path.getsize(os.path.join(os.environ.get("BENCH_DIR", ""), f"upload-{name.split('-')[1]}.body")) \
        if os.environ.get("BENCH_DIR") else None
    ok = r["requests"] - r["non_2xx"]
    return ok * (size or 0) / r["duration_s"] / 1e6, ok / r["duration_s"]


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1), "kernel": platform.release(),
            "postgresql": pg}


figures = {}
ratios = []


def ratio(item, what, num, den, target):
    r = num / den if den else float("nan")
    ratios.append({"item": item, "what": what, "numerator": round(num, 2), "denominator": round(den, 2),
                   "ratio": round(r, 3), "target": target, "met": r >= target})


submit = ok_per_s("submit")
pg_submit = load("pgbench-submit.json")["tps"]
figures["submit_per_s"] = submit
figures["pgbench_submit_tps"] = pg_submit
ratio(1, "submissions/s (8 clients) ÷ pgbench of the same statements", submit, pg_submit, 0.5)

lookup, healthz = ok_per_s("lookup"), ok_per_s("healthz")
figures.update(lookup_per_s=lookup, healthz_per_s=healthz)
ratio(2, "public lookups/s ÷ /healthz requests/s", lookup, healthz, 0.25)

for size in ("200k", "2m"):
    up_mb, up_n = mb_per_s(f"upload-{size}")
    dis_mb, dis_n = mb_per_s(f"discard-{size}")
    figures[f"upload_{size}_mb_per_s"] = up_mb
    figures[f"upload_{size}_per_s"] = up_n
    figures[f"discard_{size}_mb_per_s"] = dis_mb
    ratio(3, f"upload MB/s stored and hashed ÷ body-discarding route, {size.upper()}B files", up_mb, dis_mb, 0.5)

drain = load("drain.json")
relay = load("pgbench-relay.json")["tps"] * 20
figures.update(drain_messages_per_s=drain["per_s"], drain_dead=drain["dead"], pgbench_relay_messages_per_s=relay)
ratio(4, "outbox messages/s delivered ÷ pgbench of the relay's SQL (messages/s)", drain["per_s"], relay, 0.3)

open_loop = load("open-loop.json")
figures["open_loop"] = open_loop

for kind in ("submit", "lookup"):
    with_, without = ok_per_s(f"{kind}-with"), ok_per_s(f"{kind}-without")
    figures[f"{kind}_with_security_per_s"] = with_
    figures[f"{kind}_without_security_per_s"] = without
    ratio(7, f"{kind}s/s with audit chain and limits ÷ without", with_, without, 0.8)

report = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "command": f"scripts/bench.sh --secs {secs} --dossiers {dossiers}",
    "machine": machine(),
    "figures": figures,
    "ratios": ratios,
}
with open(os.path.join(out, "bench.json"), "w") as f:
    json.dump(report, f, indent=2, ensure_ascii=False)

m = report["machine"]
print(f"{report['date']}  {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['postgresql']}")
print(f"command: {report['command']}")
print()
print("raw figures")
print(f"  submissions/s (8 clients)          {submit:10.1f}    pgbench same statements  {pg_submit:10.1f} tps")
print(f"  public lookups/s (8 connections)   {lookup:10.1f}    /healthz                 {healthz:10.1f} req/s")
for size in ("200k", "2m"):
    print(f"  upload {size:>4} MB/s                  {figures[f'upload_{size}_mb_per_s']:10.1f}    "
          f"discarding route         {figures[f'discard_{size}_mb_per_s']:10.1f} MB/s "
          f"({figures[f'upload_{size}_per_s']:.1f} files/s)")
print(f"  outbox drain messages/s            {drain['per_s']:10.1f}    pgbench relay SQL        {relay:10.1f} msg/s"
      f"  ({drain['dead']} dead letters)")
for kind in ("submit", "lookup"):
    s = open_loop.get(kind, {})
    print(f"  open loop {kind:6} at {open_loop['offered'][kind + '_per_s']:5.0f}/s: p50 {s.get('p50_ms', float('nan')):6.1f} ms"
          f"  p99 {s.get('p99_ms', float('nan')):6.1f} ms  max {s.get('max_ms', float('nan')):6.1f} ms  answers {s.get('statuses')}")
cpu = ", ".join(f"{c['pct']}%" for c in open_loop.get("cpu_pct_of_one_core", []))
print(f"  open loop CPU: server {cpu} of one core; machine {open_loop.get('machine_busy_pct')}% busy "
      f"({open_loop.get('cores')} cores, load generator and PostgreSQL included)")
for kind in ("submit", "lookup"):
    print(f"  {kind}s/s with security {figures[f'{kind}_with_security_per_s']:10.1f}    "
          f"without audit and limits {figures[f'{kind}_without_security_per_s']:10.1f}")
print()
print("ratios")
for r in ratios:
    print(f"  {r['item']}. {r['what']:78} {r['ratio']:6.3f}  target ≥ {r['target']:<4}  {'met' if r['met'] else 'MISSED'}")
targets = {"submit": 300, "lookup": 30}
for kind, limit in targets.items():
    p99 = open_loop.get(kind, {}).get("p99_ms", float("inf"))
    print(f"  5. open-loop {kind} p99 {p99:.1f} ms  target < {limit} ms  {'met' if p99 < limit else 'MISSED'}")
