#!/usr/bin/env python3
"""Helpers of scripts/reliability.sh (standard library only; the database through psql).

  rel.py ledger --db URL --acked FILE [--acked FILE ...] [--sim URL] [--drain SECS] [--motcua BIN]
                [--outbox-after ID] [--created-after TIMESTAMP] [--allow-pending] --out FILE.json
      the ledger check (ledger.sql) over the acknowledged submissions, after waiting up to SECS for the outbox to
      drain; `motcua verify-audit`; with --sim, what the national portal stand-in received and holds per dossier.
  rel.py stable SAMPLES.tsv          RSS / open-fd stability of each sampled process (soak)
  rel.py probes PROBES.tsv           the /readyz probes taken while PostgreSQL was down (postgres)
  rel.py loadsum LOAD.json ...      the open-loop reports of a scenario, summed
  rel.py result --out FILE key=value ...   one scenario's row (values: JSON or text)
  rel.py table DIR                   the table of every scenario's row, and DIR/results.json; exit 1 on a FAIL
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def opt(args, name, default=None, many=False):
    vals = [args[i + 1] for i, a in enumerate(args) if a == name and i + 1 < len(args)]
    if many:
        return vals
    return vals[-1] if vals else default


def psql(db, sql, stdin=None):
    r = subprocess.run(["psql", db, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       input=stdin, capture_output=True, text=True, check=True)
    return r.stdout.strip()


def get_json(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def strip_links(v):
    """A message as the portal compares it: the file links (absolute at sending, relative in the outbox) left out."""
    if isinstance(v, dict):
        return {k: strip_links(x) for k, x in v.items() if not k.startswith("DuongDan")}
    if isinstance(v, list):
        return [strip_links(x) for x in v]
    return v


def effective(seq):
    """Consecutive repeats dropped: a repeated message changes nothing at the portal."""
    out = []
    for m in seq:
        if not out or out[-1] != m:
            out.append(m)
    return out


def ledger(args):
    db = opt(args, "--db")
    out = opt(args, "--out")
    acked = ""
    for f in opt(args, "--acked", many=True):
        if os.path.exists(f):
            acked += open(f).read()
    acked_lines = [line for line in acked.splitlines() if line.strip()]
    drain = float(opt(args, "--drain", "0"))
    after = int(opt(args, "--outbox-after", "0"))
    t0 = time.time()
    count_pending = f"SELECT count(*) FROM outbox WHERE status = 'pending' AND id > {after}"
    pending = int(psql(db, count_pending))
    while pending and time.time() - t0 < drain:
        time.sleep(2)
        pending = int(psql(db, count_pending))
    drained_in = round(time.time() - t0, 1)
    created_after = opt(args, "--created-after", "-infinity")
    r = subprocess.run(["psql", db, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-v", f"outbox_after={after}",
                        "-v", f"created_after={created_after}", "-f", os.path.join(HERE, "ledger.sql")],
                       input="\n".join(acked_lines) + ("\n" if acked_lines else ""), capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"ledger.sql failed: {r.stderr}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    res["drain_secs"] = drained_in
    motcua = opt(args, "--motcua")
    if motcua:
        env = dict(os.environ, MOTCUA_DATABASE_URL=db)
        a = subprocess.run([motcua, "verify-audit"], capture_output=True, text=True, env=env)
        res["verify_audit"] = {"exit": a.returncode, "output": (a.stdout + a.stderr).strip()[-300:]}
    sim = opt(args, "--sim")
    portal = {"checked": False}
    if sim:
        ids = sorted({line.split("\t")[0] for line in acked_lines})
        rows = []
        if ids:
            q = ("SELECT json_agg(json_build_object('id', d.id, 'code', d.code, 'rows', "
                 "(SELECT json_agg(json_build_object('op', o.operation, 'status', o.status, 'item', o.payload->'data'->0) "
                 "ORDER BY o.seq) FROM outbox o WHERE o.dossier_id = d.id))) "
                 "FROM dossier d WHERE d.id IN (SELECT dossier_id FROM acked)")
            r = subprocess.run(["psql", db, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"],
                               input="CREATE TEMP TABLE acked (dossier_id uuid);\n\\copy acked FROM pstdin\n"
                               + "\n".join(ids) + "\n\\.\n" + q + ";\n", capture_output=True, text=True)
            if r.returncode:
                sys.exit(f"outbox read failed: {r.stderr}")
            rows = json.loads(r.stdout.strip().splitlines()[-1] or "[]") or []
        messages = get_json(f"{sim}/_sim/portal/messages")
        holdings = get_json(f"{sim}/_sim/portal/holdings")
        received = {}
        for m in messages:
            code = (m.get("item") or {}).get("MaHoSo")
            received.setdefault(code, []).append((m.get("operation"), strip_links(m.get("item"))))
        not_held, out_of_order, undelivered_rows, repeats, examples = 0, 0, 0, 0, []
        for d in rows:
            ours = [(o["op"], strip_links(o["item"])) for o in (d["rows"] or []) if o["status"] == "delivered"]
            undelivered_rows += sum(1 for o in (d["rows"] or []) if o["status"] != "delivered")
            got = received.get(d["code"], [])
            repeats += len(got) - len(effective(got))
            if ours and d["code"] not in holdings:
                not_held += 1
                examples.append(f"{d['code']}: delivered but not held by the portal")
            elif effective(got) != effective(ours):
                # The portal saw something other than our messages in our order (a later repeat of an older
                # step would roll its holding back): a duplicate in effect.
                out_of_order += 1
                examples.append(f"{d['code']}: portal received {len(got)} messages ({len(effective(got))} effective), "
                                f"we delivered {len(ours)}")
        portal = {"checked": True, "dossiers": len(rows), "messages_received": sum(len(received.get(d["code"], []))
                                                                                     for d in rows),
                  "harmless_repeats": repeats, "delivered_not_held": not_held, "not_in_our_order": out_of_order,
                  "undelivered_rows": undelivered_rows, "examples": examples[:5]}
    res["portal"] = portal
    lost = res["missing"] + res["wrong_marker"] + portal.get("delivered_not_held", 0)
    duplicated = res["marker_duplicates"] + res["acknowledged_twice"] + res["submission_rows_not_one"] \
        + portal.get("not_in_our_order", 0)
    problems = []
    for k in ("missing", "wrong_marker", "created_before_scenario", "marker_duplicates", "acknowledged_twice", "without_history", "submission_rows_not_one",
              "without_outbox", "outbox_dead"):
        if res[k]:
            problems.append(f"{k} {res[k]}")
    if res["outbox_pending"] and not opt(args, "--allow-pending"):
        problems.append(f"outbox_pending {res['outbox_pending']} after {drained_in} s")
    if motcua and res["verify_audit"]["exit"] != 0:
        problems.append("verify-audit failed: " + res["verify_audit"]["output"])
    for k in ("delivered_not_held", "not_in_our_order"):
        if portal.get(k):
            problems.append(f"portal {k} {portal[k]}")
    res.update({"lost": lost, "duplicated": duplicated, "problems": problems, "pass": not problems})
    json.dump(res, open(out, "w"), indent=1, ensure_ascii=False)
    print(f"  ledger: {res['acknowledged']} acknowledged, lost {lost}, duplicated {duplicated}, "
          f"outbox pending {res['outbox_pending']} dead {res['outbox_dead']}, "
          f"audit {'ok' if not motcua or res['verify_audit']['exit'] == 0 else 'BROKEN'}"
          + (f", portal: {portal['messages_received']} messages ({portal['harmless_repeats']} harmless repeats)"
             if portal["checked"] else "") + ("; PROBLEMS: " + "; ".join(problems) if problems else ""))


def stable(args):
    """SAMPLES.tsv: time, name, pid, rss_kb, fds. Per name: first third's max vs last third's max."""
    rows = [line.split("\t") for line in open(args[0]).read().splitlines() if line.strip()]
    by = {}
    for t, name, pid, rss, fds in rows:
        by.setdefault(name, []).append((float(t), int(rss), int(fds)))
    res = {}
    for name, s in by.items():
        n = len(s)
        third = max(1, n // 3)
        first, last = s[:third], s[-third:]
        f_rss, l_rss = max(x[1] for x in first), max(x[1] for x in last)
        f_fd, l_fd = max(x[2] for x in first), max(x[2] for x in last)
        ok = l_rss <= f_rss * 1.2 and l_fd <= f_fd + 20
        res[name] = {"samples": n, "rss_start_kb": s[0][1], "rss_end_kb": s[-1][1], "rss_first_third_max_kb": f_rss,
                     "rss_last_third_max_kb": l_rss, "fds_start": s[0][2], "fds_end": s[-1][2],
                     "fds_first_third_max": f_fd, "fds_last_third_max": l_fd, "stable": ok and n >= 3}
    print(json.dumps(res))


def probes(args):
    """PROBES.tsv: status, seconds. While PostgreSQL was down."""
    rows = [line.split("\t") for line in open(args[0]).read().splitlines() if line.strip()]
    codes = {}
    for code, _ in rows:
        codes[code] = codes.get(code, 0) + 1
    secs = [float(s) for _, s in rows]
    print(json.dumps({"probes": len(rows), "statuses": codes, "max_secs": max(secs) if secs else None,
                      "all_503_under_1s": bool(rows) and all(c == "503" and float(s) < 1.0 for c, s in rows)}))


def loadsum(args):
    """The open-loop reports of a scenario, summed: submissions answered 201, lookups answered 200, the rest."""
    sub_ok, sub_other, look_ok, look_other, p99 = 0, {}, 0, {}, 0.0
    for f in args:
        if not os.path.exists(f):
            sub_other["no report"] = sub_other.get("no report", 0) + 1
            continue
        r = json.load(open(f))
        for code, n in (r.get("submit") or {}).get("statuses", {}).items():
            if code == "201":
                sub_ok += n
            else:
                sub_other[code] = sub_other.get(code, 0) + n
        for code, n in (r.get("lookup") or {}).get("statuses", {}).items():
            if code == "200":
                look_ok += n
            else:
                look_other[code] = look_other.get(code, 0) + n
        p99 = max(p99, (r.get("submit") or {}).get("p99_ms", 0) or 0)
    print(json.dumps({"submit_201": sub_ok, "submit_other": sub_other, "lookup_200": look_ok,
                      "lookup_other": look_other, "submit_p99_ms": p99,
                      "text": f"submissions {sub_ok} x 201" + (f" + {sub_other}" if sub_other else "")
                      + f", lookups {look_ok} x 200" + (f" + {look_other}" if look_other else "")
                      + f", submit p99 {p99:.0f} ms"}))


def result(args):
    out = opt(args, "--out")
    row = {}
    for a in args:
        if "=" in a and not a.startswith("--"):
            k, v = a.split("=", 1)
            try:
                row[k] = json.loads(v)
            except ValueError:
                row[k] = v
    json.dump(row, open(out, "w"), indent=1, ensure_ascii=False)


def table(args):
    d = args[0]
    order = ["soak", "kill", "postgres", "national", "inbound", "store", "clerks", "backup", "fuzz"]
    rows = []
    for name in order:
        p = os.path.join(d, name, "result.json")
        if os.path.exists(p):
            rows.append(json.load(open(p)))
    cols = [("scenario", "scenario"), ("load held", "load"), ("faults injected", "faults"),
            ("acknowledged", "acknowledged"), ("lost", "lost"), ("duplicated in effect", "duplicated"),
            ("result", "result")]
    cells = [[str(r.get(k, "")) for _, k in cols] for r in rows]
    print("| " + " | ".join(h for h, _ in cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    for c in cells:
        print("| " + " | ".join(x.replace("|", "/") for x in c) + " |")
    notes = [(r["scenario"], r.get("notes", "")) for r in rows if r.get("notes")]
    if notes:
        print()
        for s, n in notes:
            print(f"- {s}: {n}")
    json.dump(rows, open(os.path.join(d, "results.json"), "w"), indent=1, ensure_ascii=False)
    sys.exit(1 if any(str(r.get("result", "")).startswith("FAIL") for r in rows) else 0)


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    {"ledger": ledger, "stable": stable, "probes": probes, "result": result, "table": table,
     "loadsum": loadsum}[cmd](rest)
