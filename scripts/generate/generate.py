#!/usr/bin/env python3
"""Fills a migrated and seeded motcua database with a realistic province (issue 9): 30 agencies, 400
procedures, citizens and N dossiers over three years, with their histories, steps, holders, attachments,
payments, ratings, feedback and delivered outbox messages. Python 3.11, standard library only.

    scripts/generate.sh --dossiers 200000 [--end 2026-12-02] [--seed 1] [--database-url postgres://...]

See scripts/generate/README.md for what is generated and why; scripts/generate/check.sql for the checks.
"""

import argparse
import json
import math
import os
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import catalogue  # noqa: E402
import pg  # noqa: E402
import sim  # noqa: E402
import vocab  # noqa: E402
import vncal  # noqa: E402
import world as worldmod  # noqa: E402
from sim import NUL, Proc, Story, uuid_of  # noqa: E402
from vncal import day_number  # noqa: E402

AGENCIES_TOTAL = 30
PROCEDURES_TOTAL = 400

# The big procedures of a province's one-stop desks (relative volumes); every other one gets a Zipf share.
SEEDED_WEIGHTS = {
    "2.000815": 30, "1.001193": 9, "1.004873": 7, "2.000884": 6, "2.000488": 6, "1.004221": 7, "2.001035": 4,
    "2.000635": 4, "1.000656": 3, "1.000894": 3, "2.000720": 2.5, "1.009994": 2, "1.004227": 2, "2.000575": 1.5,
    "2.002042": 1.5, "2.001612": 1, "1.004217": 1, "2.000555": 0.8, "2.001583": 0.7, "1.004859": 0.8,
    "1.009946": 0.5, "1.003324": 0.4, "1.001022": 0.3, "1.004837": 0.3, "2.000789": 0.2, "1.009972": 0.2,
    "1.008001": 0.1, "1.009645": 0.1, "1.004235": 0.1,
}

NATIONAL = {"submitted": 1, "received": 2, "refused": 3, "in_processing": 4, "awaiting_approval": 4,
            "supplement_requested": 5, "payment_requested": 6, "withdrawn": 7, "stopped": 8, "result_ready": 9,
            "returned": 10}
DESCRIBE = {
    "submit": "Công dân nộp hồ sơ trực tuyến", "receive_from_portal": "Tiếp nhận hồ sơ từ Cổng Dịch vụ công quốc gia",
    "receive_at_counter": "Tiếp nhận hồ sơ tại Bộ phận Một cửa", "accept": "Tiếp nhận hồ sơ trực tuyến",
    "request_supplement": "Yêu cầu bổ sung, hoàn thiện hồ sơ", "receive_supplement": "Tiếp nhận hồ sơ bổ sung",
    "refuse": "Từ chối tiếp nhận, giải quyết hồ sơ", "hand_over": "Chuyển xử lý", "send_back": "Trả lại bước trước",
    "submit_for_approval": "Trình phê duyệt", "approve": "Phê duyệt kết quả",
    "request_payment": "Yêu cầu thực hiện nghĩa vụ tài chính", "record_payment": "Ghi nhận đã nộp phí, lệ phí",
    "issue_result": "Ban hành kết quả", "return_result": "Trả kết quả", "withdraw": "Công dân rút hồ sơ",
    "stop": "Dừng giải quyết hồ sơ", "apologise": "Xin lỗi và hẹn lại ngày trả kết quả",
}
DESCRIBE = vocab._nfc(DESCRIBE)

COLUMNS = {
    "agency": ["id", "parent_id", "name", "level", "is_sample", "created_at"],
    "agency_code": ["agency_id", "kind", "code", "valid_from", "valid_to"],
    "unit": ["id", "agency_id", "name", "kind", "is_sample"],
    "staff": ["id", "username", "full_name", "title", "phone", "email", "active", "is_sample", "created_at"],
    "staff_role": ["staff_id", "unit_id", "role"],
    "calendar_day": ["day", "kind", "name", "source"],
    "procedure": ["id", "code", "current_version", "created_at"],
    "procedure_version": ["id", "procedure_id", "version", "document", "name", "field_code", "field_name",
                          "online_level", "competent_level", "competent_agency", "is_sample", "published_at",
                          "published_by"],
    "citizen": ["id", "issuer", "subject", "account_type", "personal_id", "tax_code", "full_name", "birth_date",
                "email", "phone", "verified_at", "created_at", "tech_id", "loa"],
    "dossier": ["id", "code", "procedure_version_id", "agency_id", "channel", "source", "state", "resume_to",
                "version", "applicant_citizen_id", "applicant", "owner", "applicant_name", "form_answers",
                "population_verified", "fees_total", "payment_state", "current_step", "current_unit_id",
                "assignee_id", "submitted_at", "received_at", "clock_started_at", "due_at", "original_due_at",
                "paused_at", "paused_due_at", "remaining_minutes", "apologies", "finished_at", "returned_at",
                "created_at", "updated_at"],
    "dossier_action": ["id", "dossier_id", "seq", "action", "from_state", "to_state", "national_code", "actor_kind",
                       "actor_id", "actor_name", "unit_id", "at", "note", "reason", "step", "due_at", "data"],
    "dossier_step": ["dossier_id", "seq", "step", "name", "unit_id", "started_at", "due_at", "finished_at",
                     "timeliness"],
    "dossier_holder": ["dossier_id", "unit_id", "since"],
    "attachment": ["id", "dossier_id", "role", "component_code", "file_name", "kind", "size", "sha256", "object_key",
                   "checked_against_original", "added_by_kind", "added_by", "added_at", "reused_from"],
    "payment": ["id", "dossier_id", "reference", "amount", "method", "state", "started_by_kind", "started_by",
                "transaction_id", "bank", "failure", "paid_at", "created_at", "updated_at", "last_query_at",
                "receipt_number", "receipt_attachment_id"],
    "outbox": ["id", "dossier_id", "seq", "operation", "payload", "status", "attempts", "next_attempt_at",
               "last_error", "created_at", "delivered_at"],
    "national_submission": ["ma_ho_so", "dossier_id", "request_sha256", "answer", "repeats", "created_at"],
    "dossier_rating": ["dossier_id", "citizen_id", "score", "comment", "rated_at"],
    "feedback": ["id", "dossier_id", "citizen_id", "kind", "content", "status", "answer", "created_at"],
    "dossier_code_counter": ["agency_id", "day", "last_value"],
}
BIG = ["dossier", "dossier_action", "dossier_step", "dossier_holder", "attachment", "outbox", "payment", "citizen",
       "national_submission", "dossier_rating", "feedback", "dossier_code_counter"]
SMALL = ["calendar_day", "agency", "agency_code", "unit", "staff", "staff_role", "procedure", "procedure_version"]


def esc(s):
    """COPY text escaping for free text (none of ours needs it, but documents might)."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def jtext(obj):
    return esc(json.dumps(obj, ensure_ascii=False))


class Generator:
    def __init__(self, args, url):
        self.args = args
        self.url = url
        self.seed = args.seed
        self.master = random.Random(f"motcua-generate:{args.seed}")
        self.outbox_all = args.outbox == "all"
        self.NATIONAL = NATIONAL
        self.DESCRIBE = DESCRIBE
        self.PORTAL = ("system", "national_portal", "Cổng Dịch vụ công quốc gia", "Hệ thống")
        self.PAYGOV = ("system", "paygov", "Nền tảng thanh toán trực tuyến", "Hệ thống")
        self.action_id = 0
        self.outbox_id = 0
        self.counters = {}
        self.portal_seq = {}
        self.stored = {}
        self.ref_n = 0

    def uuid(self, r):
        return uuid_of(r.getrandbits(128))

    # ---------------------------------------------------------------------------------- time & realism curves

    def frac(self, t):
        """0 at the start of the three years, 1 at the end."""
        return min(1.0, max(0.0, (t / 86400 - self.start_day) / (self.end_day - self.start_day + 1)))

    def digitised(self, t):
        """Share of counter dossiers whose components are scanned (rises with the digitisation drive)."""
        return 0.55 + 0.4 * self.frac(t)

    def reuse_share(self, t):
        return 0.08 + 0.35 * self.frac(t)

    def online_pay_share(self, t):
        return 0.55 + 0.35 * self.frac(t)

    def population_share(self, t):
        return 0.35 + 0.5 * self.frac(t)

    # ---------------------------------------------------------------------------------- rows

    def reference(self, t):
        self.ref_n += 1
        return f"MC{self.clock.nat(t)}{self.ref_n % 1000000:06d}"

    def payment(self, story, ref, method, state, by_kind, by, created, paid, failure=None, txn=None, bank=None):
        r = story.r
        pid = self.uuid(r)
        ts = self.clock.ts
        receipt_att = NUL
        receipt_no = NUL
        last_query = NUL
        updated = paid if paid is not None else created + 60
        if method == "online" and state == "paid":
            t = min(paid + 20 + int(r.random() * 300), self.as_of)
            att = story.attach("receipt", None, f"bien-lai-{ref}", t, "system", None)
            receipt_att = att[0]
            receipt_no = f"{(self.ref_n * 7 + 1000003) % 10000000:07d}"
            last_query = ts(t)
            updated = t
        self.s_payment.add(
            f"{pid}\t{story.id}\t{ref or NUL}\t{story.P.fees_total}\t{method}\t{state}\t{by_kind}\t{by}\t"
            f"{txn or NUL}\t{bank or NUL}\t{failure or NUL}\t{self.clock.ts_or_null(paid)}\t{ts(created)}\t"
            f"{ts(updated)}\t{last_query}\t{receipt_no}\t{receipt_att}\n")

    def emit_dossier(self, s):
        ts = self.clock.ts
        tn = self.clock.ts_or_null
        w = s.who
        name, male, birth, pid, phone, email, commune, detail = w
        ap = {"full_name": name, "personal_id": pid, "birth_date": birth}
        if s.channel != 2:
            ap["address"] = f"{detail}, {commune.short}, tỉnh Thanh Hóa"
        ap["phone"] = phone
        if email and s.channel == 2:
            ap["email"] = email
        owner = NUL
        r = s.r
        if r.random() < 0.04:
            o = self.people.person(int(r.random() * self.people.size))
            owner = jtext({"full_name": o[0], "personal_id": o[3], "birth_date": o[2]})
        form = jtext(self.form_answers(s.P, w, r, s.t0))
        if s.source == "national_portal":
            verified = "f"
        elif s.source == "portal":
            verified = "t"
        else:
            verified = "t" if r.random() < self.population_share(s.t0) else "f"
        assignee = s.assignee[0] if s.assignee is not None else NUL
        self.s_dossier.add(
            f"{s.id}\t{s.code}\t{s.P.vid}\t{s.A.id}\t{s.channel}\t{s.source}\t{s.state}\t{s.resume_to or NUL}\t"
            f"{s.version}\t{s.cit or NUL}\t{jtext(ap)}\t{owner}\t{name}\t{form}\t{verified}\t{s.P.fees_total}\t"
            f"{s.payment_state}\t{s.step}\t{s.unit}\t{assignee}\t{ts(s.t0)}\t{tn(s.received_at)}\t"
            f"{tn(s.clock_started_at)}\t{tn(s.due_at)}\t{tn(s.original_due_at)}\t{tn(s.paused_at)}\t"
            f"{tn(s.paused_due_at)}\t{NUL if s.remaining is None else s.remaining}\t{s.apologies}\t"
            f"{tn(s.finished_at)}\t{tn(s.returned_at)}\t{ts(s.t0)}\t{ts(s.updated)}"
            + (f"\t{s.processing_days or NUL}\n" if self.processing_days_column else "\n"))
        if s.source == "national_portal":
            self.s_national.add(f"{s.code}\t{s.id}\t{'%064x' % r.getrandbits(256)}\t"
                                f'{{"MaHoSo": "{s.code}", "TrangThaiHoSo": "1"}}\t'
                                f"{1 if r.random() < 0.02 else 0}\t{ts(s.t0)}\n")

    def form_answers(self, P, w, r, t0):
        name, male, birth, pid, phone, email, commune, detail = w
        out = {}
        today = (t0 // 86400)
        for f in P.form:
            kind = f["kind"]["type"]
            pre = f.get("prefill", "")
            if not f.get("required") and r.random() < 0.5 and not pre:
                continue
            rules = f.get("rules", {})
            if pre.endswith("full_name"):
                v = name
            elif pre.endswith("personal_id"):
                v = pid
            elif pre.endswith("phone"):
                v = phone
            elif pre.endswith("email"):
                if not email:
                    continue
                v = email
            elif pre.endswith("birth_date"):
                v = birth
            elif pre == "population.sex" and kind == "select":
                vals = [o["value"] for o in f["kind"]["options"]]
                v = ("nam" if male else "nu") if "nam" in vals and "nu" in vals else vals[0]
            elif kind == "address":
                v = {"province_code": "38", "commune_code": commune.commune_code, "detail": detail}
            elif kind == "text":
                k = f["key"]
                if "ho_ten" in k:
                    v = self.people.name(int(r.random() * self.people.size))[0]
                elif k.startswith("so_") or "ma_" in k:
                    v = str(1 + int(r.random() * 900))
                elif "ten_" in k:
                    v = "Công ty TNHH " + self.people.name(int(r.random() * self.people.size))[0].split()[-1] + \
                        " Thanh Hóa"
                else:
                    v = "Theo hồ sơ kèm theo"
                ml = rules.get("max_length")
                if ml:
                    v = v[:ml]
            elif kind == "textarea":
                v = "Đề nghị cơ quan có thẩm quyền xem xét, giải quyết theo quy định."
            elif kind == "number":
                lo = rules.get("min", 1.0)
                hi = rules.get("max", max(lo + 1, 500.0))
                v = int(lo + (hi - lo) * r.random() ** 2)
                if v < lo:
                    v = int(math.ceil(lo))
            elif kind == "date":
                if rules.get("min_date") == "today":
                    v = self.clock.day(today + 1 + int(r.random() * 30))
                else:
                    v = self.clock.day(today - 1 - int(r.random() * 365))
            elif kind == "email":
                v = email or f"lienhe{int(r.random() * 1000)}@example.vn"
            elif kind == "phone":
                v = phone
            elif kind == "personal_id":
                v = self.people.person(int(r.random() * self.people.size))[3]
            elif kind == "tax_code":
                v = f"28{int(r.random() * 100000000):08d}"
            elif kind == "select":
                v = r.choice(f["kind"]["options"])["value"]
            elif kind == "checkbox":
                v = True
            else:
                continue
            out[f["key"]] = v
        return out

    # ---------------------------------------------------------------------------------- phases

    def read_database(self):
        url = self.url
        n = int(pg.run(url, "SELECT count(*) FROM dossier").strip())
        if n:
            raise SystemExit(f"the database already holds {n} dossiers: generate into a freshly migrated and seeded one")
        su = pg.run(url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").strip()
        if su != "t":
            raise SystemExit("loading needs a superuser (session_replication_role = replica keeps the synthetic "
                             "history out of the national change feed and skips per-row foreign-key triggers)")
        self.seeded_procs = []
        for pid, vid, code, doc in pg.rows(url, """
                SELECT p.id, pv.id, p.code, pv.document FROM procedure p
                  JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
                 ORDER BY p.code"""):
            self.seeded_procs.append((pid, vid, code, json.loads(doc)))
        if len(self.seeded_procs) + 0 > PROCEDURES_TOTAL:
            raise SystemExit("the catalogue already has more procedures than the generator makes")
        self.calendar_rows = pg.rows(url, "SELECT day, kind FROM calendar_day ORDER BY day")
        # Newer schemas: the working days to the result (migration 18, written at approve/issue_result), and
        # report facts kept by triggers (rebuilt once after the load, since the load runs without triggers).
        cols = {c for (c,) in pg.rows(url, "SELECT column_name FROM information_schema.columns "
                                           "WHERE table_schema = 'public' AND table_name = 'dossier'")}
        self.processing_days_column = "processing_days" in cols
        if self.processing_days_column:
            COLUMNS["dossier"].append("processing_days")
        self.report_rebuild = pg.run(url, "SELECT to_regproc('report_rebuild') IS NOT NULL").strip() == "t"

    def build_calendar(self):
        first = self.start_day - 40
        last = self.end_day + 1500
        have_years = {int(d[:4]) for d, _ in self.calendar_rows}
        off, work = [], []
        for d, kind in self.calendar_rows:
            n = day_number(date.fromisoformat(d))
            (work if kind == "working_day" else off).append(n)
        self.new_days = []
        y0 = vncal.day_date(self.start_day).year
        y1 = vncal.day_date(self.end_day).year
        for y in range(y0, y1 + 1):
            if y in have_years:
                continue
            for d, name in vncal.default_days_off(y):
                self.new_days.append((d.isoformat(), "day_off", name, "computed"))
                off.append(day_number(d))
        self.cal = vncal.Calendar(first, last, off, work)
        self.clock = sim.Clock(first, last)

    def build_world(self):
        r = random.Random(f"{self.seed}:world")
        self.people_rng = r
        self.world = worldmod.load(self.url, pg, r, lambda: self.uuid(r),
                                   lambda: self.people.name(r.getrandbits(40))[0], self.created_at)
        w = self.world
        n_agencies = len(w.agencies)
        if n_agencies != AGENCIES_TOTAL:
            raise SystemExit(f"the province has {n_agencies} agencies, {AGENCIES_TOTAL} expected")

    def build_catalogue(self):
        r = random.Random(f"{self.seed}:catalogue")
        docs = catalogue.build(r, [d for _, _, _, d in self.seeded_procs], PROCEDURES_TOTAL - len(self.seeded_procs))
        self.new_procs = []
        procs = []
        for pid, vid, code, doc in self.seeded_procs:
            procs.append(Proc(pid, vid, doc, SEEDED_WEIGHTS.get(code, 0.2)))
        for rank, doc in enumerate(docs):
            pid, vid = self.uuid(r), self.uuid(r)
            self.new_procs.append((pid, vid, doc))
            procs.append(Proc(pid, vid, doc, 3.0 / (rank + 2) ** 1.05))
        for p in procs:
            p.pace = 0.8 + 0.4 * r.random()
            if p.doc["field"]["code"] in ("H56-LV15", "H56-LV16", "H56-LV17", "H56-LV12"):
                p.pace *= 1.15
            if p.doc["field"]["code"] == "H56-LV01":
                p.pace *= 0.7
            for s in p.steps:
                if s.agency and s.agency not in self.world.agencies:
                    raise SystemExit(f"procedure {p.code} names agency {s.agency}, which the province lacks")
            if p.agency_code and p.agency_code not in self.world.agencies:
                raise SystemExit(f"procedure {p.code} names agency {p.agency_code}, which the province lacks")
        self.procs = procs

        def table(ps):
            acc, cum = 0.0, []
            for p in ps:
                acc += p.weight
                cum.append(acc)
            return ps, cum, acc

        self.pick_all = table(procs)
        self.pick_online = table([p for p in procs if p.online != "none"])

    def pick(self, r, table):
        ps, cum, total = table
        x = r.random() * total
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return ps[lo]

    def daily_counts(self):
        r = random.Random(f"{self.seed}:days")
        weights = []
        month_factor = {1: 1.15, 2: 0.85, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.05, 7: 1.1, 8: 1.05, 9: 0.95, 10: 1.0,
                        11: 1.0, 12: 1.1}
        dow_factor = [1.15, 1.05, 1.0, 0.98, 0.9]
        for d in range(self.start_day, self.end_day + 1):
            dd = vncal.day_date(d)
            frac = (d - self.start_day) / (self.end_day - self.start_day + 1)
            wd = dd.weekday()
            if self.cal.working(d):
                base = dow_factor[wd] if wd < 5 else 0.7
            else:
                base = 0.05 if wd >= 5 else 0.04
            w = base * (0.8 + 0.45 * frac) * month_factor[dd.month] * (0.85 + 0.3 * r.random())
            weights.append(w)
        total = sum(weights)
        counts, acc, prev = [], 0.0, 0
        for w in weights:
            acc += w
            cur = round(acc / total * self.args.dossiers)
            counts.append(cur - prev)
            prev = cur
        return counts

    def open_streams(self):
        out_dir = self.args.dry_run
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
        self.streams = {}
        for t in SMALL + BIG:
            self.streams[t] = pg.Stream(self.url, t, COLUMNS[t], out_dir)
        s = self.streams
        self.s_dossier, self.s_action, self.s_step = s["dossier"], s["dossier_action"], s["dossier_step"]
        self.s_holder, self.s_attachment, self.s_outbox = s["dossier_holder"], s["attachment"], s["outbox"]
        self.s_payment, self.s_citizen, self.s_national = s["payment"], s["citizen"], s["national_submission"]
        self.s_rating, self.s_feedback, self.s_counter = s["dossier_rating"], s["feedback"], s["dossier_code_counter"]

    def write_small(self):
        s = self.streams
        ts = self.clock.ts
        created = ts(self.created_at)
        for day, kind, name, source in self.new_days:
            s["calendar_day"].add(f"{day}\t{kind}\t{name}\t{source}\n")
        w = self.world
        for aid, parent, name, level in w.new_agencies:
            s["agency"].add(f"{aid}\t{parent}\t{name}\t{level}\tt\t{created}\n")
        for aid, kind, code, vf, vt in w.new_codes:
            s["agency_code"].add(f"{aid}\t{kind}\t{code}\t{vf}\t{vt or NUL}\n")
        for uid, aid, name, kind in w.new_units:
            s["unit"].add(f"{uid}\t{aid}\t{name}\t{kind}\tt\n")
        for sid, username, name, title, phone, email in w.new_staff:
            s["staff"].add(f"{sid}\t{username}\t{name}\t{title}\t{phone}\t{email}\tt\tt\t{created}\n")
        for sid, uid, role in w.new_roles:
            s["staff_role"].add(f"{sid}\t{uid}\t{role}\n")
        for pid, vid, doc in self.new_procs:
            comp = doc["competent"]
            s["procedure"].add(f"{pid}\t{doc['code']}\t1\t{created}\n")
            s["procedure_version"].add(
                f"{vid}\t{pid}\t1\t{jtext(doc)}\t{doc['name']}\t{doc['field']['code']}\t{doc['field']['name']}\t"
                f"{doc['online_level']}\t{comp.get('level') or NUL}\t{comp.get('agency') or NUL}\tt\t{created}\t"
                f"generator\n")

    def citizen_for(self, i, who, t):
        """The person's eID account here, created at their first online submission."""
        cid, subject, tech = self.people.citizen_ids(i)
        if not self.registered[i]:
            self.registered[i] = 1
            name, male, birth, pid, phone, email, commune, detail = who
            at = self.clock.ts(t - 60 - (i % 540))
            self.s_citizen.add(f"{cid}\thttps://xacthuc.dichvucong.gov.vn\t{subject}\t1\t{pid}\t{NUL}\t{name}\t{birth}\t"
                               f"{email or NUL}\t{phone}\t{at}\t{at}\t{tech}\tLoA2\n")
        return cid

    def run_days(self):
        counts = self.daily_counts()
        communes = self.communes
        cal = self.cal
        hour_w = [0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 1, 3, 6, 8, 8, 7, 4, 4, 6, 7, 7, 6, 4, 4, 5, 5, 3, 1]
        hour_cum = []
        acc = 0
        for x in hour_w:
            acc += x
            hour_cum.append(acc)
        P_size = self.people.size
        frequent = max(50, P_size // 50)
        done = 0
        t_report = time.monotonic()
        agencies = self.world.agencies
        commune_cum = self.people.commune_table
        for di, n in enumerate(counts):
            d = self.start_day + di
            r = random.Random(f"{self.seed}:day:{d}")
            working = cal.working(d)
            frac = di / len(counts)
            share = 0.30 + 0.42 * frac
            plans = []
            for j in range(n):
                P = self.pick(r, self.pick_all if working else self.pick_online)
                if not working or P.online == "none":
                    online = not working
                else:
                    s = share + (0.15 if P.online == "full" else -0.08)
                    online = r.random() < s
                if online:
                    x = r.random() * hour_cum[-1]
                    h = 0
                    while hour_cum[h] < x:
                        h += 1
                    t = d * 86400 + h * 3600 + int(r.random() * 3600)
                    channel = 2
                else:
                    if r.random() < 0.62:
                        t = d * 86400 + vncal.MS + int((r.random() ** 1.3) * vncal.HALF)
                    else:
                        t = d * 86400 + vncal.AS + int(r.random() * vncal.HALF)
                    channel = 3 if r.random() < 0.02 else 1
                if r.random() < 0.15:
                    i = int(r.random() * r.random() * frequent)
                else:
                    i = int(r.random() * P_size)
                plans.append((t, j, P, channel, i))
            plans.sort(key=lambda p: (p[0], p[1]))
            for t, j, P, channel, i in plans:
                who = self.people.person(i)
                if P.level == "commune":
                    if r.random() < 0.85:
                        A = who[6]
                    else:
                        x = r.random()
                        A = communes[-1]
                        for k, c in enumerate(commune_cum):
                            if x < c:
                                A = communes[k]
                                break
                else:
                    A = agencies[P.agency_code]
                R = agencies[P.steps[0].agency] if P.steps[0].agency else A
                source = "counter" if channel == 1 else ("post" if channel == 3 else
                                                       ("national_portal" if r.random() < 0.14 else "portal"))
                if source == "portal":
                    cit = self.citizen_for(i, who, t)
                elif source == "national_portal" and self.registered[i]:
                    cit = self.people.citizen_ids(i)[0]
                else:
                    cit = None
                Story(self, r, (t, P, A, R, channel, source, i, cit, who)).run()
            for (aid, day), v in self.counters.items():
                self.s_counter.add(f"{aid}\t{self.clock.day(day)}\t{v}\n")
            self.counters.clear()
            done += n
            if time.monotonic() - t_report > 10:
                t_report = time.monotonic()
                el = t_report - self.t_start
                print(f"  {vncal.day_date(d)}  {done:>10,} dossiers  {el:7.1f} s  {done / el:8.0f}/s", flush=True)

    def finish(self):
        t_gen = time.monotonic()
        order = SMALL + BIG
        ok = False
        try:
            for t in order:
                self.streams[t].finish_copy()
            ok = True
        finally:
            for t in order:
                if ok:
                    self.streams[t].end(True)
                else:
                    self.streams[t].abort()
        self.t_loaded = time.monotonic()
        return t_gen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dossiers", type=int, default=10000, help="number of dossiers (10k to 10M)")
    ap.add_argument("--end", help="last day of the three years, yyyy-mm-dd (default: today)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database-url", default=os.environ.get("MOTCUA_DATABASE_URL"))
    ap.add_argument("--outbox", choices=["all", "last"], default="all",
                    help="outbox messages per dossier: all (two per change, as the server writes) or last "
                         "(the first and the latest change only: less disk at 10M)")
    ap.add_argument("--dry-run", metavar="DIR", help="write the COPY data to DIR/<table>.tsv instead of loading it")
    args = ap.parse_args()
    if not args.database_url:
        ap.error("--database-url or MOTCUA_DATABASE_URL is required")
    if args.dossiers < 1:
        ap.error("--dossiers must be positive")
    end = date.fromisoformat(args.end) if args.end else datetime.now(timezone(timedelta(hours=7))).date()
    g = Generator(args, args.database_url)
    g.end_day = day_number(end)
    g.start_day = g.end_day - 3 * 365
    g.as_of = (g.end_day + 1) * 86400 - 1  # the end of the --end day, Vietnam time
    g.created_at = g.start_day * 86400 - 90 * 86400 + 9 * 3600
    g.merger_day = day_number(date(2025, 7, 1))
    print(f"motcua generator: {args.dossiers:,} dossiers from {vncal.day_date(g.start_day)} to {end} "
          f"(--end {'given' if args.end else 'defaulted to today'}), seed {args.seed}, outbox {args.outbox}")
    g.t_start = time.monotonic()
    g.read_database()
    g.build_calendar()
    # People first (staff names come from the same generator of names).
    g.people = sim.People(args.seed, 1, [])
    g.build_world()
    communes = [g.world.agencies[c] for c, _, _ in vocab.COMMUNES]
    g.communes = communes
    g.people = sim.People(args.seed, max(2000, args.dossiers // 4), communes)
    g.registered = bytearray(g.people.size)
    g.build_catalogue()
    g.open_streams()
    g.write_small()
    print(f"  province: {len(g.world.agencies)} agencies ({len(g.world.new_agencies)} new), "
          f"{len(g.procs)} procedures ({len(g.new_procs)} new), {len(g.world.new_staff)} new staff, "
          f"{len(g.new_days)} holidays added for years without any")
    g.run_days()
    t_gen = g.finish()
    gen_s = t_gen - g.t_start
    load_s = g.t_loaded - g.t_start
    rows_total = sum(s.rows for s in g.streams.values())
    post = {}
    if not args.dry_run:
        t0 = time.monotonic()
        pg.run(g.url, "SELECT setval('dossier_action_id_seq', GREATEST((SELECT max(id) FROM dossier_action), 1)), "
                      "setval('outbox_id_seq', GREATEST((SELECT max(id) FROM outbox), 1))")
        post["sequences"] = time.monotonic() - t0
        for t in SMALL + BIG:
            t0 = time.monotonic()
            pg.run(g.url, f"ANALYZE {t}")
            post[t] = time.monotonic() - t0
        if g.report_rebuild:
            # The report facts and day counters (migration 18) are kept by triggers the load did not fire.
            t0 = time.monotonic()
            pg.run(g.url, "SET jit = off; SET work_mem = '256MB'; SELECT report_rebuild(); "
                          "ANALYZE report_fact; ANALYZE report_daily")
            post["report_rebuild"] = time.monotonic() - t0
    total = time.monotonic() - g.t_start
    print()
    print(f"{'table':<22}{'rows':>14}{'MB (COPY)':>11}{'COPY done at':>14}{'ANALYZE s':>11}")
    for t in SMALL + BIG:
        s = g.streams[t]
        print(f"{t:<22}{s.rows:>14,}{s.bytes / 1e6:>11.1f}{s.done_at - g.t_start:>13.1f}s"
              f"{post.get(t, 0):>10.1f}s")
    print(f"{'total':<22}{rows_total:>14,}{sum(s.bytes for s in g.streams.values()) / 1e6:>11.1f}")
    print()
    if "report_rebuild" in post:
        print(f"{'report_rebuild()':<22}{'':>14}{'':>11}{'':>14}{post['report_rebuild']:>10.1f}s")
    analyze = sum(v for k, v in post.items() if k not in ("sequences", "report_rebuild"))
    print(f"generated and streamed in {gen_s:.1f} s, loaded (all COPYs committed) at {load_s:.1f} s, "
          f"ANALYZE {analyze:.1f} s, total {total:.1f} s")
    print(f"{rows_total / load_s:,.0f} rows/s loaded, {args.dossiers / load_s:,.0f} dossiers/s")
    if not args.dry_run:
        size = pg.run(g.url, "SELECT pg_size_pretty(pg_database_size(current_database()))").strip()
        print(f"database size: {size}")
        print("check the result with: psql \"$MOTCUA_DATABASE_URL\" -f scripts/generate/check.sql")


if __name__ == "__main__":
    main()
