"""The synthetic part of the catalogue: procedure documents in the shape of domain::catalogue::Procedure.

Documents are built from the vocabulary (vocab.FIELDS) with e-form fields borrowed from the seeded
procedures (so they are valid e-form fields by construction), and checked here with the rules of
Procedure::validate (codes, NFC texts, components, fees, workflow shape and time, delivery) before
anything is written.
"""

import functools
import unicodedata

import vocab

DEPARTMENT_RECEIVED_CENTRALLY = {"H56.03", "H56.05", "H56.07", "H56.09", "H56.11", "H56.14", "H56.16", "H56.18",
                                 "H56.20", "H56.22", "H56.24", "H56"}
CENTRE = "H56.30"

GENERIC_KEYS = ["ho_ten", "so_dinh_danh", "ngay_sinh", "dien_thoai", "email", "noi_cu_tru", "noi_thuong_tru"]


@functools.lru_cache(maxsize=None)
def fold(s):
    """ASCII, lower case, diacritics removed (Đ/đ -> d), like motcua_fold."""
    s = s.replace("Đ", "D").replace("đ", "d")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


@functools.lru_cache(maxsize=None)
def slug(s, limit=60):
    out = []
    for c in fold(s):
        if c.isalnum() and c.isascii():
            out.append(c)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")[:limit].strip("-") or "tep"


def _result_name(name):
    for p in ("Cấp lại ", "Cấp đổi ", "Cấp "):
        if name.startswith(p):
            rest = name[len(p):]
            return rest[0].upper() + rest[1:]
    if name.startswith("Đăng ký"):
        return "Giấy xác nhận " + name[0].lower() + name[1:]
    if name.startswith("Chứng thực"):
        return "Văn bản được chứng thực"
    if name.startswith("Gia hạn") or name.startswith("Điều chỉnh") or name.startswith("Chấp thuận"):
        return "Văn bản chấp thuận"
    return "Văn bản giải quyết thủ tục hành chính"


def _names():
    """(field entry, name) for every synthetic procedure name, extended with 'Cấp lại/Cấp đổi' variants."""
    out = []
    for f in vocab.FIELDS:
        for n in f[6]:
            out.append((f, n))
    return out


def _variants(base):
    seen = {n for _, n in base}
    extra = []
    for f, n in base:
        if n.startswith("Cấp ") and not n.startswith("Cấp lại") and not n.startswith("Cấp đổi"):
            for p in ("Cấp lại ", "Cấp đổi "):
                v = p + n[4:]
                if v not in seen:
                    seen.add(v)
                    extra.append((f, v))
    return extra


def build(rng, seeded_docs, count):
    """`count` synthetic procedure documents (dicts), deterministic for the rng."""
    by_code = {d["code"]: d for d in seeded_docs}
    fields_by_key = {}
    for d in seeded_docs:
        for fld in d["form"]["fields"]:
            fields_by_key.setdefault(fld["key"], fld)
    base = _names()
    names = base + _variants(base)
    if len(names) < count:
        raise SystemExit(f"the vocabulary has {len(names)} procedure names; {count} asked")
    # Spread the choice over every field: take names round-robin per field in a shuffled order.
    per_field = {}
    for f, n in names:
        per_field.setdefault((f[0], f[2]), []).append((f, n))
    keys = list(per_field)
    for k in keys:
        rng.shuffle(per_field[k])
    chosen = []
    while len(chosen) < count:
        progressed = False
        for k in keys:
            if per_field[k] and len(chosen) < count:
                chosen.append(per_field[k].pop())
                progressed = True
        if not progressed:
            break
    used_codes = set(by_code)
    docs = []
    for i, (f, name) in enumerate(chosen):
        field_code, field_name, competent, template_code, times, fees = f[:6]
        while True:
            code = rng.choice(["1.0", "2.00"])
            code += "".join(rng.choice("0123456789") for _ in range(8 - len(code)))
            if code not in used_codes:
                used_codes.add(code)
                break
        docs.append(_procedure(rng, code, name, field_code, field_name, competent, by_code[template_code],
                               times, fees, fields_by_key))
    for d in docs:
        problems = validate(d)
        if problems:
            raise SystemExit(f"generated procedure {d['code']} is invalid: {problems}")
    return docs


def _copies(rng):
    k = rng.random()
    if k < 0.6:
        return {"originals": 1}
    if k < 0.85:
        return {"certified_copies": 1}
    return {"originals": 1, "photocopies": 1}


def _procedure(rng, code, name, field_code, field_name, competent, template, times, fees, fields_by_key):
    level = "commune" if competent == "commune" else ("province" if competent == "H56" else "department")
    u = rng.random()
    online = "full" if u < 0.45 else ("partial" if u < 0.87 else "none")
    unit, value = rng.choice(times)
    total = value * (1 if unit == "working_hours" else 8)
    doc = {"code": code, "name": name, "field": {"code": field_code, "name": field_name}}
    doc["competent"] = {"level": "commune"} if competent == "commune" else {"agency": competent}
    doc["online_level"] = online
    doc["statutory_time"] = {"unit": unit, "value": value}
    if rng.random() < 0.1:
        doc["on_supplement"] = "resume"
    amount = rng.choice(fees)
    if amount:
        payable = "on_submit" if rng.random() < 0.75 else "on_result"
        doc["fees"] = [{"code": "LP01", "name": "Lệ phí " + name[0].lower() + name[1:], "kind": "charge",
                        "amount_vnd": amount, "payable": payable}]
        if amount >= 100000 and rng.random() < 0.3:
            doc["fees"].append({"code": "PTD01", "name": "Phí thẩm định hồ sơ", "kind": "fee",
                                "amount_vnd": amount // 2, "payable": payable})
    comps = []
    pool = list(vocab.COMPONENT_NAMES)
    rng.shuffle(pool)
    ncomp = 1 + int(rng.random() * 3.2)
    first = (f"Tờ khai đề nghị {name[0].lower()}{name[1:]}"[:300], True)
    for j, (cname, mandatory) in enumerate([first] + pool[: ncomp - 1]):
        c = {"code": f"TP{j + 1:02d}", "name": cname, "mandatory": mandatory}
        c.update({"originals": 1} if j == 0 else _copies(rng))
        if j == 0:
            c["template"] = f"mau-to-khai-{code.replace('.', '-')}.docx"
        if "nhân thân" in cname or "văn bằng" in cname or "Ảnh chân dung" in cname:
            c["reusable"] = True
        if online == "partial" and not mandatory and rng.random() < 0.5:
            c["bring_to_counter_allowed"] = True
        comps.append(c)
    doc["components"] = comps
    doc["results"] = [{"code": "KQ01", "name": _result_name(name)}]
    if online != "none" and rng.random() < 0.8:
        doc["results"][0]["electronic"] = True
    # E-form: the identity block, a few fields of the template procedure, the declaration.
    form = []
    keys = set()

    def add(fld):
        if fld["key"] not in keys:
            keys.add(fld["key"])
            form.append(dict(fld))

    for k in ("ho_ten", "so_dinh_danh", "dien_thoai"):
        add(fields_by_key[k])
    if rng.random() < 0.5:
        add(fields_by_key["email"])
    if rng.random() < 0.5:
        add(fields_by_key["noi_cu_tru" if rng.random() < 0.5 else "noi_thuong_tru"])
    specific = [f for f in template["form"]["fields"] if f["key"] not in GENERIC_KEYS and f["key"] != "cam_doan"
                and f["kind"]["type"] not in ("personal_id",)]
    rng.shuffle(specific)
    for fld in specific[: 1 + int(rng.random() * 3)]:
        add(fld)
    add({"key": "noi_dung_de_nghi", "label": "Nội dung đề nghị", "kind": {"type": "textarea"}, "required": True,
         "rules": {"max_length": 2000}})
    add(fields_by_key["cam_doan"])
    doc["form"] = {"fields": form}
    doc["workflow"] = _workflow(rng, total, level, competent)
    if online == "full":
        delivery = ["online", "in_person"] + (["post"] if rng.random() < 0.5 else [])
    elif online == "partial":
        delivery = ["in_person", "post"] + (["online"] if rng.random() < 0.5 else [])
    else:
        delivery = ["in_person"] + (["post"] if rng.random() < 0.3 else [])
    doc["result_delivery"] = delivery
    doc["legal_basis"] = sorted(rng.sample(vocab.LEGAL, 2), key=vocab.LEGAL.index)
    doc["sample"] = True
    return doc


def _split(rng, total, n):
    """n positive integers adding up to total (total >= n), roughly proportional to random weights."""
    w = [0.5 + rng.random() for _ in range(n)]
    s = sum(w)
    parts = [max(1, int(total * x / s)) for x in w]
    diff = total - sum(parts)
    i = 0
    while diff != 0:
        j = i % n
        if diff > 0:
            parts[j] += 1
            diff -= 1
        elif parts[j] > 1:
            parts[j] -= 1
            diff += 1
        i += 1
    return parts


def _workflow(rng, total, level, competent):
    desk_agency = None
    if level in ("department", "province") and competent in DEPARTMENT_RECEIVED_CENTRALLY:
        desk_agency = CENTRE
    receive = 1 if total <= 8 else (2 if total <= 40 else 4)
    ret = receive if total > 8 or rng.random() < 0.5 else 0
    leader = 0 if rng.random() < 0.08 else max(1, round(total * 0.15))
    nspec = 1 if total <= 8 else (1 + int(rng.random() * 3))
    rest = total - receive - ret - leader
    if rest < nspec:
        leader = 0
        rest = total - receive - ret
        if rest < nspec:
            ret = 0
            rest = total - receive
            nspec = min(nspec, rest)
    parts = _split(rng, rest, nspec)
    names = list(vocab.STEP_NAMES)
    steps = [{"name": "Tiếp nhận hồ sơ", "unit": "one_stop", "role": "clerk", "hours": receive}]
    for j, h in enumerate(parts):
        s = {"name": names[j] if j < len(names) else "Xử lý hồ sơ", "unit": "specialist", "role": "officer", "hours": h}
        if competent == "H56" and j == 0:
            s["agency"] = rng.choice(["H56.20", "H56.05", "H56.18"])
        steps.append(s)
    if leader:
        steps.append({"name": "Lãnh đạo xem xét, ký duyệt kết quả", "unit": "leadership", "role": "leader",
                      "hours": leader})
    steps.append({"name": "Trả kết quả", "unit": "one_stop", "role": "clerk", "hours": ret})
    if desk_agency:
        steps[0]["agency"] = desk_agency
        steps[-1]["agency"] = desk_agency
    return steps


# --------------------------------------------------------------------------------------------------
# The rules of Procedure::validate that a generated document could break.

def _is_procedure_code(s):
    if len(s) < 8 or not s[0].isdigit() or s[1] != "." or not s[2:8].isdigit():
        return False
    return len(s) == 8


def _text_ok(s, limit=500):
    return bool(s.strip()) and unicodedata.is_normalized("NFC", s) and s.strip() == s and \
        not any(unicodedata.category(c) == "Cc" for c in s) and len(s) <= limit


def _item_code_ok(s):
    return 0 < len(s) <= 50 and s[0].isascii() and s[0].isalnum() and \
        all(c.isascii() and (c.isalnum() or c in "._-") for c in s)


def validate(d):
    p = []
    if not _is_procedure_code(d["code"]):
        p.append("code")
    for path, t in [("name", d["name"]), ("field.name", d["field"]["name"])]:
        if not _text_ok(t):
            p.append(path)
    if not _item_code_ok(d["field"]["code"]):
        p.append("field.code")
    st = d["statutory_time"]
    if not 1 <= st["value"] <= 3650:
        p.append("statutory_time.value")
    seen = set()
    for f in d.get("fees", []):
        if f["code"] in seen or not _item_code_ok(f["code"]) or not _text_ok(f["name"]) or f["amount_vnd"] > 10**9:
            p.append("fees")
        seen.add(f["code"])
    seen = set()
    full = d["online_level"] == "full"
    for c in d.get("components", []):
        if c["code"] in seen or not _item_code_ok(c["code"]) or not _text_ok(c["name"]):
            p.append("components.code/name")
        seen.add(c["code"])
        if not (c.get("originals", 0) or c.get("certified_copies", 0) or c.get("photocopies", 0)):
            p.append("components.copies")
        if full and c["mandatory"] and c.get("bring_to_counter_allowed"):
            p.append("components.bring_to_counter_allowed")
    if not d["results"]:
        p.append("results")
    for r in d["results"]:
        if not _item_code_ok(r["code"]) or not _text_ok(r["name"]):
            p.append("results")
    w = d["workflow"]
    if len(w) < 2:
        p.append("workflow.len")
    if w[0]["unit"] != "one_stop" or w[0]["role"] != "clerk" or w[-1]["unit"] != "one_stop" or w[-1]["role"] != "clerk":
        p.append("workflow.ends")
    for i, s in enumerate(w):
        if s["hours"] == 0 and i != len(w) - 1:
            p.append(f"workflow[{i}].hours")
        if not _text_ok(s["name"]):
            p.append(f"workflow[{i}].name")
    # What the server needs to move a dossier: a leader step only right before the return step, and the
    # first processing step a specialist one (hand_over from `received`).
    for i, s in enumerate(w[1:-1], start=1):
        if s["role"] == "leader" and i != len(w) - 2:
            p.append("workflow.leader_position")
    if len(w) > 2 and w[1]["role"] != "officer":
        p.append("workflow.first_processing")
    hours = st["value"] * (1 if st["unit"] == "working_hours" else 8)
    if sum(s["hours"] for s in w) != hours:
        p.append("workflow.time")
    dl = d["result_delivery"]
    if not dl or len(set(dl)) != len(dl) or (full and "online" not in dl):
        p.append("result_delivery")
    keys = [f["key"] for f in d["form"]["fields"]]
    if len(set(keys)) != len(keys):
        p.append("form.keys")
    for lb in d.get("legal_basis", []):
        if not _text_ok(lb):
            p.append("legal_basis")
    return p
