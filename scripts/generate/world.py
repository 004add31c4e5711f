"""The province: the seeded agencies, units and staff read from the database, plus the synthetic ones."""

import vocab
from catalogue import fold

VALID_FROM = "2025-07-01"  # the two-level local government (NĐ 118/2025), as the seed has it
FORMER_FROM, FORMER_TO = "2020-01-01", "2025-07-01"

SEED_SLUGS = {"H56": "tinh", "H56.30": "ttphvhcc", "H56.14": "stp", "H56.18": "sxd", "H56.20": "snnmt",
              "H56.05": "stc", "H56.101": "hacthanh", "H56.102": "samson", "H56.103": "hoanghoa",
              "H56.104": "quangxuong"}
NEW_SLUGS = {"H56.03": "snv", "H56.07": "sct", "H56.09": "sgddt", "H56.11": "syt", "H56.16": "svhttdl",
             "H56.22": "skhcn", "H56.24": "sdttg", "H56.26": "bqlkkt"}


def legacy(code):
    """AgencyCode::legacy: H56.14 -> 000.00.14.H56; None when the code does not fit the old shape."""
    g = code.split(".")
    if len(g) > 4 or any(not x.isdigit() for x in g[1:]):
        return None
    parts = []
    for i, w in enumerate((2, 2, 3)):
        x = g[i + 1] if i + 1 < len(g) else ""
        if len(x) > w:
            return None
        parts.append(x.rjust(w, "0"))
    return f"{parts[2]}.{parts[1]}.{parts[0]}.{g[0]}"


class Agency:
    def __init__(self, id, code, name, level, seeded):
        self.id = id
        self.code = code
        self.name = name
        self.level = level
        self.seeded = seeded
        self.legacy = legacy(code)
        self.prefix = self.legacy or code  # what dossier codes start with (DossierCode: legacy alias first)
        self.former = None  # (qd20, legacy) before 1 July 2025, communes only
        self.units = {}  # kind -> unit id
        self.unit_names = {}
        self.staff = {}  # (kind, role) -> [(id, full name, title)]
        self.weight = 1.0
        self.pace = 1.0
        self.commune_code = None
        self.short = name.replace("Ủy ban nhân dân ", "")


class World:
    def __init__(self):
        self.agencies = {}  # code -> Agency
        self.new_agencies = []
        self.new_codes = []  # (agency id, kind, code, valid_from, valid_to)
        self.new_units = []  # (id, agency id, name, kind)
        self.new_staff = []  # (id, username, full_name, title, phone, email)
        self.new_roles = []  # (staff id, unit id, role)
        self.units = {}  # unit id -> (agency, kind, name)


def load(url, pg, rng, uuid, person_name, created_at):
    w = World()
    for aid, code, name, level in pg.rows(url, """
            SELECT a.id, c.code, a.name, a.level FROM agency a JOIN agency_code c ON c.agency_id = a.id
             WHERE c.kind = 'qd20' AND c.valid_to IS NULL ORDER BY c.code"""):
        w.agencies[code] = Agency(aid, code, name, level, True)
    missing = [c for c in SEED_SLUGS if c not in w.agencies]
    if missing:
        raise SystemExit(f"the seeded province is incomplete (no agency {', '.join(missing)}): run `motcua seed` first")
    clash = [c for c in list(NEW_SLUGS) + [x[0] for x in vocab.COMMUNES] if c in w.agencies and c not in SEED_SLUGS]
    if clash:
        raise SystemExit(f"agencies {', '.join(clash)} already exist: this database was generated into already")
    for uid, aid, name, kind in pg.rows(url, "SELECT id, agency_id, name, kind FROM unit ORDER BY agency_id, kind, name"):
        for a in w.agencies.values():
            if a.id == aid and kind not in a.units:
                a.units[kind] = uid
                a.unit_names[kind] = name
                w.units[uid] = (a, kind, name)
    for sid, name, title, uid, role in pg.rows(url, """
            SELECT s.id, s.full_name, coalesce(s.title, ''), r.unit_id, r.role FROM staff s
              JOIN staff_role r ON r.staff_id = s.id WHERE s.active ORDER BY s.username, r.role"""):
        if uid in w.units and role in ("clerk", "officer", "leader"):
            a, kind, _ = w.units[uid]
            a.staff.setdefault((kind, role), []).append((sid, name, title or "Cán bộ"))
    province = w.agencies["H56"]

    def add_agency(code, name, level):
        a = Agency(uuid(), code, name, level, False)
        w.agencies[code] = a
        w.new_agencies.append((a.id, province.id, name, level))
        w.new_codes.append((a.id, "qd20", code, VALID_FROM, None))
        if a.legacy:
            w.new_codes.append((a.id, "legacy", a.legacy, VALID_FROM, None))
        return a

    for code, name, specialist in vocab.DEPARTMENTS:
        a = add_agency(code, name, "department")
        for kind, uname in (("one_stop", "Bộ phận Một cửa"), ("specialist", specialist), ("leadership", vocab.LEADERSHIP)):
            uid = uuid()
            a.units[kind] = uid
            a.unit_names[kind] = uname
            w.units[uid] = (a, kind, uname)
            w.new_units.append((uid, a.id, uname, kind))
    for i, (code, name, weight) in enumerate(vocab.COMMUNES):
        a = w.agencies.get(code) or add_agency(code, name, "commune")
        a.weight = weight
        a.commune_code = f"{14755 + 12 * i:05d}"
        district = vocab.FORMER_DISTRICTS[i]
        former = f"H56.{district}.{10 + 3 * i:02d}"
        a.former = (former, legacy(former))
        w.new_codes.append((a.id, "qd20", former, FORMER_FROM, FORMER_TO))
        w.new_codes.append((a.id, "legacy", a.former[1], FORMER_FROM, FORMER_TO))
        if not a.seeded:
            for kind, uname in (("one_stop", vocab.COMMUNE_ONE_STOP), ("specialist", vocab.COMMUNE_SPECIALIST),
                                ("leadership", vocab.LEADERSHIP)):
                uid = uuid()
                a.units[kind] = uid
                a.unit_names[kind] = uname
                w.units[uid] = (a, kind, uname)
                w.new_units.append((uid, a.id, uname, kind))
    # How fast each agency works (multiplies the time its officers take): some are slower than others.
    for a in w.agencies.values():
        a.pace = 0.8 + 0.4 * rng.random()
    w.agencies["H56.20"].pace = 1.2  # land and environment files are the slowest
    w.agencies["H56.30"].pace = 0.8

    # Staff: every unit that dossiers pass through gets people in the roles the workflow needs.
    counter = {}

    def add_staff(a, kind, role, n):
        slug = SEED_SLUGS.get(a.code) or NEW_SLUGS.get(a.code) or fold(a.short).replace("phuong ", "").replace(
            "xa ", "").replace(" ", "")
        part = {"clerk": "motcua", "officer": "chuyenvien", "leader": "lanhdao", "agency_admin": "quantri"}[role]
        for _ in range(n):
            counter[(slug, part)] = counter.get((slug, part), 0) + 1
            username = f"{slug}.{part}{counter[(slug, part)]:02d}"
            sid = uuid()
            name = person_name()
            title = vocab.TITLES.get((a.level, role), "Quản trị hệ thống" if role == "agency_admin" else "Chuyên viên")
            w.new_staff.append((sid, username, name, title, f"0{rng.randint(200000000, 999999999)}",
                                f"{username}@thanhhoa.gov.vn"))
            w.new_roles.append((sid, a.units[kind], role))
            if role != "agency_admin":
                a.staff.setdefault((kind, role), []).append((sid, name, title))

    for a in w.agencies.values():
        big = a.level == "commune" and a.weight >= 1.2
        if a.code == "H56.30":
            add_staff(a, "one_stop", "clerk", 8)
            add_staff(a, "leadership", "leader", 1)
            add_staff(a, "specialist", "officer", 1)
            continue
        if a.level == "province":
            add_staff(a, "specialist", "officer", 3)
            add_staff(a, "leadership", "leader", 2)
            add_staff(a, "one_stop", "clerk", 1)
            continue
        clerks = 4 if big else 2
        officers = 6 if big or a.code in ("H56.20", "H56.05", "H56.18") else 3
        add_staff(a, "one_stop", "clerk", clerks - len(a.staff.get(("one_stop", "clerk"), [])))
        add_staff(a, "specialist", "officer", officers - len(a.staff.get(("specialist", "officer"), [])))
        add_staff(a, "leadership", "leader", 2 - len(a.staff.get(("leadership", "leader"), [])))
        if not a.seeded:
            add_staff(a, "leadership", "agency_admin", 1)
    w.created_at = created_at
    return w
