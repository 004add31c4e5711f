#!/usr/bin/env python3
"""The store scenario of scripts/reliability.sh: the attachment store (MOTCUA_OBJECT_DIR of the instance at
--base) is a 1 MiB tmpfs at --store, mounted by the caller. Uploads fill it up; then it is remounted read-only;
then it is remounted read-write and larger (fixed). Checked at each stage: a failed upload is a clean 4xx/5xx
with a stable error code (never 500 `internal`), no temporary file is left, every upload and attachment row
points at a complete file; a submission with an already stored file succeeds while the store is full, and
submissions after the fix succeed. Writes OUT/store.json and OUT/acked-store.tsv."""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid


def opt(name):
    return sys.argv[sys.argv.index(name) + 1]


BASE, LOAD, STORE, OUT, DB, SINCE, RUN = (opt(n) for n in
                                          ("--base", "--load", "--store", "--out", "--db", "--since", "--run"))
cookie, csrf = open(os.path.join(LOAD, "sessions.tsv")).readline().rstrip("\n").split("\t")
submit = json.load(open(os.path.join(LOAD, "submit.json")))
problems, log, acked = [], [], []
counter = [0]


def pdf(size=150 * 1024):
    """A distinct PDF of about `size` bytes (random padding in a comment)."""
    counter[0] += 1
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" \
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    pad = b""
    while len(pad) < size:
        pad += b"% " + os.urandom(48).hex().encode() + b"\n"
    return head + pad + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def call(method, path, body=None, content_type="application/json", key=None):
    req = urllib.request.Request(BASE + path, data=body, method=method)
    req.add_header("cookie", f"motcua_session={cookie}")
    req.add_header("x-csrf-token", csrf)
    req.add_header("content-type", content_type)
    if key:
        req.add_header("idempotency-key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, {"raw": raw[:200].decode(errors="replace")}


def upload(data, stage):
    boundary = "rel" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ban-sao-{counter[0]}.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    status, v = call("POST", "/api/v1/uploads", body, f"multipart/form-data; boundary={boundary}")
    code = (v or {}).get("code") if status != 201 else None
    log.append({"stage": stage, "op": "upload", "status": status, "code": code})
    if status != 201 and (status == 500 or status < 400 or not code or code == "internal"):
        problems.append(f"{stage}: upload answered {status} {code} (not a clean refusal)")
    return status, v


def submission(upload_id, stage):
    n = len([x for x in log if x["op"] == "submit"])
    marker = f"{RUN}-{n}@bench.example.vn"
    body = dict(submit, email=marker, attachments=[{"upload_id": upload_id, "component_code": "TP01"}],
                bring_to_counter=[c for c in submit.get("bring_to_counter", []) if c != "TP01"])
    status, v = call("POST", "/api/v1/dossiers", json.dumps(body).encode(), key=f"{RUN}-{n}")
    log.append({"stage": stage, "op": "submit", "status": status, "code": (v or {}).get("code")})
    if status == 201:
        acked.append(f"{v['id']}\t{marker}")
    return status, v


def tidy(stage):
    """No temporary file; every upload/attachment row since the start names a complete file."""
    temps = [os.path.join(dp, f) for dp, _, fs in os.walk(STORE) for f in fs if f.startswith(".tmp-")]
    if temps:
        problems.append(f"{stage}: {len(temps)} temporary files left: {temps[:3]}")
    # This scenario's rows: uploads since it started (nobody else uploads meanwhile), the attachments of its
    # dossiers (generated sample dossiers may carry attachment times later than now).
    q = (f"SELECT object_key || ' ' || size FROM upload WHERE created_at >= '{SINCE}' "
         f"UNION ALL SELECT a.object_key || ' ' || a.size FROM attachment a JOIN dossier d ON d.id = a.dossier_id "
         f"WHERE d.applicant->>'email' LIKE '{RUN}-%'")
    rows = subprocess.run(["psql", DB, "-X", "-q", "-t", "-A", "-c", q], capture_output=True, text=True,
                          check=True).stdout.split()
    bad = []
    for key, size in zip(rows[::2], rows[1::2]):
        p = os.path.join(STORE, key)
        if not os.path.isfile(p) or os.path.getsize(p) != int(size):
            bad.append(key)
    if bad:
        problems.append(f"{stage}: {len(bad)} rows point at a missing or incomplete file: {bad[:3]}")
    return len(rows) // 2


# 1. Fill the store: distinct 150 KiB files until two in a row are refused.
stored, refused = [], 0
for i in range(20):
    status, v = upload(pdf(), "filling")
    if status == 201:
        stored.append(v["id"])
        refused = 0
    else:
        refused += 1
        if refused == 2:
            break
if not stored or refused < 2:
    problems.append(f"filling: {len(stored)} stored, the store never refused a file")
full_codes = sorted({f"{x['status']} {x['code']}" for x in log if x["stage"] == "filling" and x["status"] != 201})
# A submission of a file already stored needs no space.
if stored:
    status, v = submission(stored[0], "full")
    if status != 201:
        problems.append(f"full: submission with a stored file answered {status} {v}")
rows_full = tidy("full")

# 2. Read-only.
subprocess.run(["mount", "-o", "remount,ro", STORE], check=True)
for _ in range(3):
    upload(pdf(20 * 1024), "readonly")
ro_codes = sorted({f"{x['status']} {x['code']}" for x in log if x["stage"] == "readonly"})
if any(x["status"] == 201 for x in log if x["stage"] == "readonly"):
    problems.append("readonly: a new file was stored on a read-only store")
tidy("readonly")

# 3. Fixed: read-write and larger; uploads and submissions work again.
subprocess.run(["mount", "-o", "remount,rw,size=64m", STORE], check=True)
ok_after = 0
for _ in range(3):
    status, v = upload(pdf(), "fixed")
    if status == 201 and submission(v["id"], "fixed")[0] == 201:
        ok_after += 1
if ok_after != 3:
    problems.append(f"fixed: {ok_after} of 3 upload + submission pairs succeeded")
rows = tidy("fixed")

open(os.path.join(OUT, "acked-store.tsv"), "w").write("".join(a + "\n" for a in acked))
uploads = [x for x in log if x["op"] == "upload"]
report = {
    "load": f"{len(uploads)} uploads, {len([x for x in log if x['op'] == 'submit'])} submissions with an attachment",
    "notes": f"full: {len(stored)} files stored then {', '.join(full_codes) or 'no refusal'}; "
             f"read-only: {', '.join(ro_codes)}; after the fix {ok_after}/3 upload + submission succeeded; "
             f"{rows} upload/attachment rows checked against their files, no temporary files"
             + ("; PROBLEMS: " + "; ".join(problems) if problems else ""),
    "log": log, "problems": problems, "pass": not problems,
}
json.dump(report, open(os.path.join(OUT, "store.json"), "w"), indent=1)
print(report["notes"])
sys.exit(0 if not problems else 1)
