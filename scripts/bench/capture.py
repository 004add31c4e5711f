#!/usr/bin/env python3
"""Turns PostgreSQL's statement log of one submission into a pgbench script of the same statements.

usage: capture.py PG_LOG ANSWER_JSON OUT_SCRIPT

PG_LOG holds what PostgreSQL logged (log_statement = all, log_line_prefix = '%m|%p|') while the server handled
one POST /api/v1/dossiers, and ANSWER_JSON the server's answer. The script is every statement of the
transaction that inserted the dossier (BEGIN to COMMIT, on that connection), plus the statements other
connections ran in the same interval for the request (the session lookup), with the logged parameters
written in as literals. Values that must be new in every transaction (the dossier's id and code, the request's
idempotency row) become pgbench expressions, so the script can run again and again.
"""
import json
import re
import sys

log_path, answer_path, out_path = sys.argv[1:4]
answer = json.load(open(answer_path))

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+\|(\d+)\|(LOG|DETAIL|ERROR|STATEMENT|WARNING|HINT):\s+(.*)$")
entries = []  # [pid, kind, text]
for line in open(log_path, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    m = ENTRY.match(line)
    if m:
        entries.append([int(m.group(1)), m.group(2), m.group(3)])
    elif entries:
        entries[-1][2] += "\n" + line

STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)


def parse_params(text):
    """'$1 = 'a''b', $2 = NULL' -> {1: "'a''b'", 2: 'NULL'} (values kept as SQL literals)."""
    params, i = {}, 0
    while i < len(text):
        m = re.compile(r"\s*,?\s*\$(\d+) = ").match(text, i)
        if not m:
            break
        n, i = int(m.group(1)), m.end()
        if text.startswith("NULL", i):
            params[n], i = "NULL", i + 4
            continue
        assert text[i] == "'", text[i:i + 40]
        j = i + 1
        while True:
            j = text.index("'", j)
            if text.startswith("''", j):
                j += 2
                continue
            break
        params[n], i = text[i:j + 1], j + 1
    return params


statements = []  # (pid, sql)
for k, (pid, kind, text) in enumerate(entries):
    if kind != "LOG":
        continue
    m = STATEMENT.match(text)
    if not m:
        continue
    sql = m.group(1).strip()
    nxt = entries[k + 1] if k + 1 < len(entries) else None
    if nxt and nxt[0] == pid and nxt[1] == "DETAIL" and nxt[2].lower().startswith("parameters: "):
        params = parse_params(nxt[2][len("parameters: "):])
        sql = re.sub(r"\$(\d+)\b", lambda mm: params.get(int(mm.group(1)), mm.group(0)), sql)
    # The log does not say the parameters' types; where PostgreSQL cannot infer one, say it.
    sql = re.sub(r"(now\(\) [-+] )('[^']*')", r"\1\2::interval", sql)
    statements.append((pid, sql))

insert_at = next(i for i, (_, s) in enumerate(statements) if re.match(r"INSERT INTO dossier\s*\(", s))
pid = statements[insert_at][0]
begin = max(i for i in range(insert_at) if statements[i][0] == pid and statements[i][1].upper().startswith("BEGIN"))
commit = min(i for i in range(insert_at, len(statements))
             if statements[i][0] == pid and statements[i][1].upper().startswith("COMMIT"))
# The request's statements on other connections: those just before the transaction that read the session.
before = [s for _, s in statements[:begin] if re.search(r"\bsession\b", s)]
tx = [s for _, s in statements[begin:commit + 1]]

dossier_id = answer["id"]
code = answer.get("code")
out = ["-- One online submission's SQL as the server ran it (captured by scripts/bench/capture.py).",
       "\\set n random(1, 1000000000)"]
for s in before + tx:
    s = s.replace(f"'{dossier_id}'", "':dossier_id'")
    if code:
        s = s.replace(f"'{code}'", "'BENCH-' || :n || '-' || :client_id")
    if s.startswith("UPDATE audit_head SET seq = seq + 1 RETURNING"):
        # The audit chain's next number: pgbench takes it like the server does, and writes the entry under it.
        out.append(s + " \\gset audit_")
        continue
    if s.startswith("INSERT INTO audit_log"):
        s = re.sub(r"VALUES \('\d+'", "VALUES (:audit_seq", s, count=1)
    if re.match(r"INSERT INTO dossier\s*\(", s):
        # The dossier's id comes back from its INSERT: pgbench keeps it and uses it where the server used it.
        out.append(s + " \\gset dossier_")
    else:
        out.append(s + ";")
with open(out_path, "w") as f:
    f.write("\n".join(out) + "\n")
print(f"captured {len(before)} statement(s) before the transaction and {len(tx)} in it "
      f"(BEGIN to COMMIT) for one submission -> {out_path}")
