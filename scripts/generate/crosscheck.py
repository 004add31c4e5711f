#!/usr/bin/env python3
"""Asks a running motcua server to recompute appointments the generator wrote, and compares.

    python3 scripts/generate/crosscheck.py --server http://127.0.0.1:18480 [--database-url ...] [--sample 300]

For a sample of dossiers it takes the appointment first given (the counter receipt's due time, or the online
acceptance's, counted from the submission) and POSTs the same arrival, channel and statutory time to
/api/v1/calendar/deadline, which uses the server's own calendar code and holiday table. Any difference is
printed; the exit code is 1 when there is one. Standard library only.
"""

import argparse
import json
import os
import sys
import urllib.request
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pg  # noqa: E402

SQL = """
SELECT d.code, d.channel, to_char(d.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       pv.document -> 'statutory_time' ->> 'unit', pv.document -> 'statutory_time' ->> 'value',
       to_char(a.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  FROM dossier d
  JOIN procedure_version pv ON pv.id = d.procedure_version_id
  JOIN dossier_action a ON a.dossier_id = d.id AND a.action IN ('receive_at_counter', 'accept')
 WHERE d.source <> 'national_portal' OR a.action = 'accept'
 ORDER BY md5(d.code) LIMIT {n}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--database-url", default=os.environ.get("MOTCUA_DATABASE_URL"))
    ap.add_argument("--sample", type=int, default=300)
    args = ap.parse_args()
    bad = 0
    rows = pg.rows(args.database_url, SQL.format(n=int(args.sample)))
    for code, channel, submitted, unit, value, due in rows:
        body = {"received_at": submitted, "channel": {"1": "counter", "2": "online", "3": "post"}[channel],
                "statutory_time": {"unit": unit, "value": int(value)}}
        req = urllib.request.Request(args.server.rstrip("/") + "/api/v1/calendar/deadline",
                                     data=json.dumps(body).encode(), headers={"content-type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            answer = json.load(resp)
        got = answer["due"]
        # The server answers in Vietnam time (+07:00); compare instants.
        if datetime.fromisoformat(got.replace("Z", "+00:00")) != datetime.fromisoformat(due.replace("Z", "+00:00")):
            bad += 1
            print(f"{code}: generated {due}, server {got} ({body})")
    print(f"{len(rows)} appointments compared with the server, {bad} different")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
