"""Each citizen peer of the WFC auth document files one dossier online, so that schemathesis finds real dossiers.

    python3 dossiers.py BASE_URL WFC_AUTH.json

A birth registration (1.001193) at phường Hạc Thành with both mandatory components attached: the answers are
made from the procedure's e-form like the integration tests make them, the attachments are the procedure's own
declaration PDF uploaded twice. Random generation almost never produces a submission the e-form accepts; with
these, `GET /api/v1/me/dossiers` lists a dossier per citizen and its OpenAPI links lead to the dossier's reads.
"""

import datetime
import json
import sys
import urllib.request
import uuid

PROCEDURE = "1.001193"
AGENCY = "H56.101"
PEERS = ("citizen-an", "citizen-ngoc")


def answers(form: dict) -> dict:
    out = {}
    today = datetime.date.today()
    for f in form.get("fields", []):
        rules = f.get("rules") or {}
        kind = f["kind"]["type"]
        if kind == "text":
            v = "123456" if rules.get("digits_only") else "Nguyễn Văn An"[: max(1, rules.get("max_length") or 100)]
        elif kind == "textarea":
            v = "Ghi chú về hồ sơ"
        elif kind == "number":
            v = rules.get("min") if rules.get("min") is not None else 1
        elif kind == "date":
            lo = rules.get("min_date")
            v = str(today + datetime.timedelta(days=7)) if lo == "today" else (lo or "1990-01-15")
        elif kind == "email":
            v = "an.nguyen@example.vn"
        elif kind == "phone":
            v = "0912345678"
        elif kind == "personal_id":
            v = "001090012345"
        elif kind == "tax_code":
            v = "0101234567"
        elif kind == "select":
            v = f["kind"]["options"][0]["value"]
        elif kind == "checkbox":
            v = True
        elif kind == "address":
            v = {"province_code": "38", "commune_code": "16000", "detail": "Số 1 Lê Lợi"}
        else:
            raise RuntimeError(f"unknown e-form field type {kind}")
        out[f["key"]] = v
    return out


def call(base: str, headers: dict, method: str, path: str, body=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    h = dict(headers)
    if data is not None:
        h["content-type"] = content_type
        h["idempotency-key"] = str(uuid.uuid4())
    req = urllib.request.Request(f"{base}{path}", data=data, method=method, headers=h)
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if r.headers.get_content_type() == "application/json" else raw


def upload(base: str, headers: dict, name: str, pdf: bytes) -> str:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\ncontent-disposition: form-data; name="file"; filename="{name}"\r\n'
        f"content-type: application/pdf\r\n\r\n"
    ).encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    return call(base, headers, "POST", "/api/v1/uploads", body, f"multipart/form-data; boundary={boundary}")["id"]


def main(base: str, auth_path: str) -> None:
    with open(auth_path, encoding="utf-8") as f:
        auth = {a["name"]: {h["name"]: h["value"] for h in a["fixedHeaders"]} for a in json.load(f)["auth"]}
    procedure = call(base, {}, "GET", f"/api/v1/procedures/{PROCEDURE}")["procedure"]
    agency = next(a["id"] for a in call(base, {}, "GET", "/api/v1/agencies") if a["code"] == AGENCY)
    pdf = call(base, {}, "GET", f"/api/v1/procedures/{PROCEDURE}/to-khai.pdf")
    for peer in PEERS:
        headers = auth[peer]
        attachments = [
            {"upload_id": upload(base, headers, f"{c['code']}.pdf", pdf), "component_code": c["code"]}
            for c in procedure["components"]
            if c.get("mandatory")
        ]
        body = {"procedure_code": PROCEDURE, "agency_id": agency, "form": answers(procedure["form"]),
                "attachments": attachments}
        dossier = call(base, headers, "POST", "/api/v1/dossiers", body)
        print(f"{peer}: dossier {dossier['code']} ({dossier['id']})")


if __name__ == "__main__":
    main(*sys.argv[1:3])
