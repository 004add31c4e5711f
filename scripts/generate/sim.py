"""Dossiers: each one's life simulated action by action with the server's own rules (app/dossier.rs act(),
domain/lifecycle.rs), and written as the rows the server would have written.

Times are Vietnam local seconds inside (see vncal); they are written as UTC timestamptz text.
A story is cut at the generator's "now" (the end of the --end day): whatever would happen later has not
happened yet, which leaves the recent dossiers in progress (on time or late), paused, or waiting.
"""

import math
from datetime import date, timedelta

import vocab
from catalogue import fold, slug
from vncal import AE, DAYLEN, VN, timeliness

NUL = "\\N"
M64 = (1 << 64) - 1


def mix(x):
    """splitmix64 finaliser: a well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def uuid_of(n):
    """A version-4-shaped UUID text from a 128-bit integer."""
    n = (n & ~(0xF000 << 64)) | (0x4000 << 64)
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
    h = "%032x" % n
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Truncated(Exception):
    """The next action would happen after the generator's now."""


# ------------------------------------------------------------------------------------------------ text formats

class Clock:
    """Formats local seconds as the texts the tables and payloads need, with per-day caches."""

    def __init__(self, first_day, last_day):
        self.first = first_day - 2
        n = last_day - self.first + 3
        self.utc_day = []
        self.nat_day = []
        self.iso_day = []
        for i in range(n):
            d = date(1970, 1, 1) + timedelta(days=self.first + i)
            self.utc_day.append(d.isoformat() + " ")
            self.iso_day.append(d.isoformat() + "T")
            self.nat_day.append(d.strftime("%Y%m%d"))
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
        self.hms6 = [f"{s // 3600:02d}{s // 60 % 60:02d}{s % 60:02d}" for s in range(86400)]

    def ts(self, t):
        """timestamptz text (UTC) of local seconds t."""
        d, s = divmod(t - VN, 86400)
        return self.utc_day[d - self.first] + self.hms[s] + "+00"

    def ts_or_null(self, t):
        return NUL if t is None else self.ts(t)

    def rfc(self, t):
        d, s = divmod(t - VN, 86400)
        return self.iso_day[d - self.first] + self.hms[s] + "Z"

    def nat(self, t):
        """yyyyMMddHHmmss in Vietnam time (the national portal's dates)."""
        if t is None:
            return ""
        d, s = divmod(t, 86400)
        return self.nat_day[d - self.first] + self.hms6[s]

    def day(self, d):
        return self.utc_day[d - self.first][:-1]


# ------------------------------------------------------------------------------------------------ people

class People:
    """A pool of synthetic persons, each computed from its index (nothing stored per person)."""

    def __init__(self, seed, size, communes):
        self.salt = mix(seed * 0x1F1F + 7)
        self.size = size
        self.communes = communes
        total = sum(a.weight for a in communes)
        self.commune_table = []
        acc = 0.0
        for a in communes:
            acc += a.weight / total
            self.commune_table.append(acc)
        sur = vocab.SURNAMES
        st = sum(w for _, w in sur)
        self.surname_table = []
        for name, w in sur:
            self.surname_table += [name] * max(1, round(w * 1000 / st))

    def h(self, i, k):
        return mix(self.salt ^ (i * 0x100000001B3 + k))

    def name(self, i):
        h = self.h(i, 1)
        male = h & 1
        sur = self.surname_table[(h >> 1) % len(self.surname_table)]
        mid = (vocab.MIDDLE_M if male else vocab.MIDDLE_F)[(h >> 12) % 24 % len(vocab.MIDDLE_M if male else vocab.MIDDLE_F)]
        given = (vocab.GIVEN_M if male else vocab.GIVEN_F)[(h >> 20) % len(vocab.GIVEN_M if male else vocab.GIVEN_F)]
        if (h >> 40) % 10 == 0:  # a four-syllable name now and then
            mid2 = (vocab.MIDDLE_M if male else vocab.MIDDLE_F)[(h >> 44) % len(vocab.MIDDLE_M if male else vocab.MIDDLE_F)]
            if mid2 != mid:
                return f"{sur} {mid} {mid2} {given}", male
        return f"{sur} {mid} {given}", male

    def person(self, i):
        """(full name, male, birth date text, personal id, phone, email or None, commune agency, detail)."""
        name, male = self.name(i)
        h = self.h(i, 2)
        u = (h % 100000) / 100000.0
        year = 2007 - int(18 * 0 + 62 * (u ** 1.35))
        month = 1 + (h >> 20) % 12
        day = 1 + (h >> 24) % 28
        birth = f"{year:04d}-{month:02d}-{day:02d}"
        g = (0 if male else 1) + (2 if year >= 2000 else 0)
        block = i // 1_000_000
        serial = ((i % 1_000_000) * 7919 + 13) % 1_000_000
        pid = f"0{99 - block:02d}{g}{year % 100:02d}{serial:06d}"
        h2 = self.h(i, 3)
        phone = vocab.PHONE_PREFIXES[h2 % len(vocab.PHONE_PREFIXES)] + f"{(h2 >> 8) % 10_000_000:07d}"
        email = None
        if (h2 >> 40) % 10 < 4:
            parts = name.split()
            email = f"{fold(parts[-1])}{fold(parts[0])}{(h2 >> 48) % 1000}@{vocab.EMAIL_DOMAINS[(h2 >> 32) % len(vocab.EMAIL_DOMAINS)]}"
        x = ((h2 >> 16) % 100000) / 100000.0
        commune = self.communes[-1]
        for j, c in enumerate(self.commune_table):
            if x < c:
                commune = self.communes[j]
                break
        detail = f"Số {1 + (h >> 33) % 180}, {vocab.STREETS[(h >> 41) % len(vocab.STREETS)]}" if (h >> 50) & 1 else \
            vocab.HAMLETS[(h >> 41) % len(vocab.HAMLETS)]
        return name, male, birth, pid, phone, email, commune, detail

    def citizen_ids(self, i):
        h1, h2, h3, h4 = self.h(i, 10), self.h(i, 11), self.h(i, 12), self.h(i, 13)
        return uuid_of((h1 << 64) | h2), uuid_of((h3 << 64) | h4), uuid_of((h2 << 64) | h3)


# ------------------------------------------------------------------------------------------------ the catalogue

class Step:
    __slots__ = ("name", "kind", "role", "hours", "agency")

    def __init__(self, s):
        self.name = s["name"]
        self.kind = s["unit"]
        self.role = s["role"]
        self.hours = s["hours"]
        self.agency = s.get("agency")


class Proc:
    def __init__(self, pid, vid, doc, weight):
        self.id = pid
        self.vid = vid
        self.doc = doc
        self.code = doc["code"]
        self.name = doc["name"]
        self.weight = weight
        self.steps = [Step(s) for s in doc["workflow"]]
        st = doc["statutory_time"]
        self.stat = (st["unit"], st["value"])
        self.restart = doc.get("on_supplement", "restart") == "restart"
        fees = doc.get("fees", [])
        self.fees_total = sum(f["amount_vnd"] for f in fees)
        self.fee_on_submit = any(f["payable"] == "on_submit" for f in fees)
        self.comps = [(c["code"], c["name"], c["mandatory"], c.get("reusable", False),
                       bool(c.get("photocopies") or c.get("certified_copies"))) for c in doc.get("components", [])]
        r = doc["results"][0]
        self.result = (r["code"], r["name"], r.get("electronic", False))
        self.online = doc["online_level"]
        self.delivery = doc["result_delivery"]
        comp = doc["competent"]
        self.level = comp.get("level")
        self.agency_code = comp.get("agency")
        roles = [s.role for s in self.steps]
        self.leader = "leader" in roles
        self.pace = 1.0
        self.form = doc["form"]["fields"]
        # Working seconds the statutory time really gives (calendar days count weekends: about 5/7 of their
        # 8-hour allotments are working time), and how the allotments relate to it.
        hours = st["value"] * (1 if st["unit"] == "working_hours" else 8)
        self.budget = hours * 3600
        self.scale = 0.7 if st["unit"] == "calendar_days" else 1.0


# ------------------------------------------------------------------------------------------------ one dossier

class Story:
    """One dossier: its state as the server keeps it, and the rows written so far."""

    def __init__(self, g, r, plan):
        (self.t0, self.P, self.A, self.R, self.channel, self.source, self.person, self.cit, self.who) = plan
        self.g = g
        self.r = r
        self.id = g.uuid(r)
        self.code = None
        self.state = None
        self.resume_to = None
        self.version = 0
        self.seq = 0
        self.oseq = 0
        self.step = 0
        self.unit = None
        self.assignee = None
        self.received_at = None
        self.clock_started_at = None
        self.due_at = None
        self.original_due_at = None
        self.paused_at = None
        self.paused_due_at = None
        self.remaining = None
        self.apologies = 0
        self.finished_at = None
        self.returned_at = None
        self.payment_state = "none"
        self.last = plan[0]
        self.updated = plan[0]
        self.steps = []
        self.holders = {}
        self.att_count = 0
        self.late = False
        self.rated = False
        self.processing_days = None

    # -------------------------------------------------------------- helpers

    def after_work(self, t, secs):
        """A staff moment: `secs` working seconds after t (at least a minute), inside working hours."""
        return self.g.cal.add(max(t, self.last), max(60, int(secs)))

    def after_cal(self, t, secs):
        return max(t, self.last) + max(60, int(secs))

    def check(self, t):
        if t > self.g.as_of:
            raise Truncated
        if t <= self.last and self.seq:
            t = self.last + 1
        self.last = t
        return t

    def unit_of(self, k):
        s = self.P.steps[k]
        a = self.g.world.agencies[s.agency] if s.agency else self.A
        return a, a.units[s.kind]

    def staff(self, agency, kind, role):
        pool = agency.staff[(kind, role)]
        return pool[int(self.r.random() * len(pool))]

    def actor_at_step(self, role):
        """Somebody of the current step's unit in `role` (the assignee when it has that role)."""
        a, uid = self.unit_of(self.step)
        kind = self.P.steps[self.step].kind
        if self.assignee is not None and self.assignee[3] == role:
            return ("staff",) + self.assignee[:3]
        s = self.staff(a, kind, role)
        return ("staff", s[0], s[1], s[2])

    def desk_clerk(self):
        s = self.staff(self.R, "one_stop", "clerk")
        return ("staff", s[0], s[1], s[2])

    def leader_of_agency(self):
        s = self.staff(self.A, "leadership", "leader")
        return ("staff", s[0], s[1], s[2])

    def applicant(self):
        return ("citizen", self.cit, self.who[0], "Công dân")

    def open_step(self, k, start, now):
        a, uid = self.unit_of(k)
        s = self.P.steps[k]
        cal = self.g.cal
        due = cal.add(cal.next_instant(start), s.hours * 3600)
        self.steps.append([k, s.name, uid, start, due, None, None])
        if uid not in self.holders:
            self.holders[uid] = now
        return uid

    def close_step(self, now):
        for st in reversed(self.steps):
            if st[5] is None:
                st[5] = now
                st[6] = timeliness(st[4], now)
                return

    def move_to(self, k, now):
        self.close_step(now)
        self.unit = self.open_step(k, now, now)
        self.step = k
        self.assignee = None

    def pause(self, now):
        if self.due_at is not None:
            self.remaining = self.g.cal.minutes_between(now, self.due_at)
            self.paused_at = now
            self.paused_due_at = self.due_at
            self.due_at = None

    def record(self, t, action, frm, actor, note=None, reason=None, data=None):
        """The history row (and its outbox messages) of an action that left the dossier as it is now."""
        g = self.g
        self.seq += 1
        self.version = self.seq
        self.updated = t
        clock = g.clock
        nat = g.NATIONAL[self.state]
        kind, aid, aname, title = actor
        if data is None:
            data = "{}"
        g.action_id += 1
        g.s_action.add(
            f"{g.action_id}\t{self.id}\t{self.seq}\t{action}\t{frm or NUL}\t{self.state}\t{nat}\t{kind}\t{aid}\t"
            f"{aname}\t{self.unit or NUL}\t{clock.ts(t)}\t{note or NUL}\t{reason or NUL}\t{self.step}\t"
            f"{clock.ts_or_null(self.due_at)}\t{data}\n")
        if g.outbox_all or self.seq == 1:
            self.outbox(t, action, actor, note or reason)
        else:
            self.pending_outbox = (t, action, actor, note or reason)

    def outbox(self, t, action, actor, note):
        """The two messages the server queues for a change, delivered: DongBoHoSoMC (the HoSo, reduced to
        its code, procedure, status and appointment) and CapNhatTienDoHoSoMC (who did what, when)."""
        g = self.g
        clock = g.clock
        nat = g.NATIONAL[self.state]
        due = self.due_at if self.due_at is not None else self.paused_due_at
        first = "False" if self.oseq == 0 else "True"
        pre = self.ob_prefix
        ho_so = (f'{{"isUpdating": "{first}", "data": [{pre}"TrangThaiHoSo": "{nat}", '
                 f'"NgayHenTra": "{clock.nat(due)}"}}]}}')
        tien_do = (f'{{"data": [{pre}"NguoiXuLy": "{actor[2]}", "ThoiDiemXuLy": "{clock.nat(t)}", '
                   f'"NoiDungXuLy": "{g.DESCRIBE[action]}", "TrangThai": "{nat}"}}]}}')
        rnd = self.r.random
        created = clock.ts(t)
        add = g.s_outbox.add
        did = self.id
        for op, payload in (("DongBoHoSoMC", ho_so), ("CapNhatTienDoHoSoMC", tien_do)):
            self.oseq += 1
            g.outbox_id += 1
            if rnd() < 0.04:  # delivered after a retry or two
                attempts = 2 + int(rnd() * 2)
                nxt = t + 2 ** attempts + int(rnd() * 30)
                delivered = nxt + 1 + int(rnd() * 3)
                nxt_s = clock.ts(nxt)
            else:
                attempts = 1
                nxt_s = created
                delivered = t + 1 + int(rnd() * 20)
            add(f"{g.outbox_id}\t{did}\t{self.oseq}\t{op}\t{payload}\tdelivered\t{attempts}\t"
                f"{nxt_s}\t\\N\t{created}\t{clock.ts(delivered)}\n")

    def dead_letter(self):
        """The portal refused this dossier's last message: a dead letter (the dossier is not synced)."""
        g = self.g
        clock = g.clock
        self.oseq += 1
        g.outbox_id += 1
        t = self.last
        payload = (f'{{"data": [{{"MaHoSo": "{self.code}", "TrangThai": "{g.NATIONAL[self.state]}", '
                   f'"ThoiDiemXuLy": "{clock.nat(t)}"}}]}}')
        g.s_outbox.add(f"{g.outbox_id}\t{self.id}\t{self.oseq}\tCapNhatTienDoHoSoMC\t{payload}\tdead\t1\t"
                       f"{clock.ts(t)}\tHTTP 400\t{clock.ts(t)}\t{NUL}\n")

    # -------------------------------------------------------------- attachments

    def attach(self, role, code, name, t, by_kind, by, checked=False, reused=None):
        g = self.g
        r = self.r
        if reused is not None:
            aid = g.uuid(r)
            fname, kind, size, sha = reused[1:5]
            src = reused[0]
        else:
            aid = g.uuid(r)
            u = r.random()
            ext, kind = ("pdf", "pdf") if u < 0.82 else (("jpg", "jpeg") if u < 0.95 else ("png", "png"))
            fname = f"{slug(name, 50)}.{ext}"
            size = int(math.exp(r.gauss(12.4, 0.9)))  # median ~240 kB
            sha = "%064x" % r.getrandbits(256)
            src = None
        key = f"sha256/{sha[:2]}/{sha[2:4]}/{sha}"
        g.s_attachment.add(f"{aid}\t{self.id}\t{role}\t{code or NUL}\t{fname}\t{kind}\t{size}\t\\\\x{sha}\t{key}\t"
                           f"{'t' if checked else 'f'}\t{by_kind}\t{by or NUL}\t{g.clock.ts(t)}\t{src or NUL}\n")
        self.att_count += 1
        return (aid, fname, kind, size, sha)

    def keep(self, at, att):
        """The citizen's data store: documents a later dossier of theirs may reuse (the last few)."""
        docs = self.g.stored.setdefault(self.person, [])
        docs.append((at, att))
        if len(docs) > 3:
            del docs[0]

    def stored_before(self, t):
        docs = self.g.stored.get(self.person)
        if docs:
            for at, att in reversed(docs):
                if at < t:
                    return att
        return None

    # -------------------------------------------------------------- creation

    def new_code(self, t):
        g = self.g
        day = t // 86400
        if self.source == "national_portal":
            n = g.portal_seq.get(day, 0) + 1 + int(self.r.random() * 40)
            g.portal_seq[day] = n
            return f"G22.99-{g.clock.nat(t)[2:8]}-{n:04d}"
        R = self.R
        key = (R.id, day)
        n = g.counters.get(key, 0) + 1
        g.counters[key] = n
        prefix = R.former[1] if (R.former is not None and day < g.merger_day) else R.prefix
        return f"{prefix}-{g.clock.nat(t)[2:8]}-{n:04d}"

    def create(self):
        g = self.g
        r = self.r
        cal = g.cal
        t = self.t0
        self.code = self.new_code(t)
        self.ob_prefix = f'{{"MaHoSo": "{self.code}", "MaTTHC": "{self.P.code}", '
        self.last = t
        online = self.channel == 2
        if online:
            self.state = "submitted"
            self.unit = self.open_step(0, t, t)
            action = "submit" if self.source == "portal" else "receive_from_portal"
            actor = self.applicant() if self.source == "portal" else g.PORTAL
        else:
            self.state = "received"
            start = cal.counter_start(t)
            self.received_at = t
            self.clock_started_at = start
            self.due_at = cal.due_for(start, *self.P.stat)
            self.unit = self.open_step(0, start, t)
            action = "receive_at_counter"
            clerk = self.desk_clerk()
            actor = clerk
        # Components: attached online, sent inline by the portal, or scanned at the counter.
        scanned = online or r.random() < g.digitised(t)
        if scanned:
            store = self.stored_before(t) if self.cit else None
            for code, name, mandatory, reusable, copy in self.P.comps:
                if not mandatory and r.random() < 0.6:
                    continue
                at = t + 1 + int(r.random() * 5)
                if self.source == "portal":
                    reuse = store if (reusable and store is not None and r.random() < g.reuse_share(t)) else None
                    att = self.attach("component", code, name, at, "citizen", self.cit, reused=reuse)
                    if reusable and reuse is None:
                        self.keep(at, att)
                elif self.source == "national_portal":
                    self.attach("component", code, name, at, "system", None)
                else:
                    self.attach("component", code, name, at, "staff", actor[1], checked=copy and r.random() < 0.8)
        self.record(t, action, None, actor, data=f'{{"code": "{self.code}"}}')

    # -------------------------------------------------------------- actions (the effects of act())

    def accept(self, t, actor):
        t = self.check(t)
        cal = self.g.cal
        frm = self.state
        self.state = "received"
        start = cal.next_instant(self.t0)
        self.received_at = t
        self.clock_started_at = start
        self.due_at = cal.due_for(start, *self.P.stat)
        self.record(t, "accept", frm, actor)

    def hand_over(self, t, actor, assign=True):
        t = self.check(t)
        frm = self.state
        nxt = self.step + 1
        self.state = "in_processing"
        self.move_to(nxt, t)
        s = self.P.steps[nxt]
        if assign and self.r.random() < 0.6:
            a, _ = self.unit_of(nxt)
            p = self.staff(a, s.kind, s.role)
            self.assignee = (p[0], p[1], p[2], s.role)
        note = self.r.choice(vocab.HAND_OVER_NOTES) if self.r.random() < 0.3 else None
        self.record(t, "hand_over", frm, actor, note=note)

    def submit_for_approval(self, t, actor):
        t = self.check(t)
        frm = self.state
        self.state = "awaiting_approval"
        self.move_to(self.step + 1, t)
        self.record(t, "submit_for_approval", frm, actor)

    def send_back(self, t, actor):
        t = self.check(t)
        frm = self.state
        self.state = "in_processing"
        self.move_to(self.step - 1, t)
        self.record(t, "send_back", frm, actor, reason=self.r.choice(vocab.SEND_BACK_REASONS))

    def finish(self, t, action, actor):
        """approve / issue_result: the result is ready; the dossier moves to the returning step."""
        t = self.check(t)
        frm = self.state
        self.state = "result_ready"
        self.move_to(len(self.P.steps) - 1, t)
        self.finished_at = t
        if self.clock_started_at is not None:
            # app::dossier::processing_days: working days, two decimals, rounded half away from zero
            minutes = max(0, self.g.cal.minutes_between(self.clock_started_at, t))
            self.processing_days = f"{math.floor(minutes / 480 * 100.0 + 0.5) / 100:.2f}"
        code, name, electronic = self.P.result
        if electronic or self.r.random() < 0.3:
            att = self.attach("result", code, name, t + 2, "staff", actor[1])
            if self.cit:
                self.keep(t + 2, att)
        self.record(t, action, frm, actor)
        self.late = self.promised() is not None and t > self.promised()

    def promised(self):
        if self.original_due_at is not None:
            return self.original_due_at
        return self.due_at if self.due_at is not None else self.paused_due_at

    def return_result(self, t, actor, delivery):
        t = self.check(t)
        frm = self.state
        self.state = "returned"
        self.close_step(t)
        self.returned_at = t
        self.record(t, "return_result", frm, actor, data=f'{{"delivery": "{delivery}"}}')

    def request_supplement(self, t, actor):
        t = self.check(t)
        r = self.r
        frm = self.state
        self.state = "supplement_requested"
        self.resume_to = frm
        after3 = self.received_at is not None and self.g.cal.between(self.received_at, t) > 3 * DAYLEN
        self.pause(t)
        items = r.sample(vocab.SUPPLEMENT_ITEMS, 1 + int(r.random() * 2.2))
        data = '{"items": [' + ", ".join(f'"{i}"' for i in items) + "]" + \
            (', "after_three_working_days": true' if after3 else "") + "}"
        self.record(t, "request_supplement", frm, actor, reason=r.choice(vocab.SUPPLEMENT_REASONS), data=data)

    def resume(self, t, restart_allowed):
        cal = self.g.cal
        self.resume_to = None
        clock = None
        if self.paused_at is not None:
            begin = cal.next_instant(t)
            restart = restart_allowed and self.P.restart
            if restart:
                self.clock_started_at = begin
                self.due_at = cal.due_for(begin, *self.P.stat)
            else:
                self.due_at = cal.add(begin, self.remaining * 60) if self.remaining >= 0 else \
                    cal.at_pos_start(cal.wpos(begin) + self.remaining * 60)
            self.paused_at = None
            self.paused_due_at = None
            self.remaining = None
            clock = "restarted" if restart else "resumed"
        return clock

    def receive_supplement(self, t, actor):
        t = self.check(t)
        frm = self.state
        self.state = self.resume_to
        clock = self.resume(t, True)
        code, name = self.r.choice(self.P.comps)[:2]
        kind = actor[0]
        self.attach("supplement", code, name, t + 1, kind, actor[1])
        data = f'{{"clock": "{clock}"}}' if clock else "{}"
        self.record(t, "receive_supplement", frm, actor, data=data)

    def request_payment(self, t, actor):
        t = self.check(t)
        frm = self.state
        self.state = "payment_requested"
        self.resume_to = frm
        self.pause(t)
        self.payment_state = "requested"
        self.record(t, "request_payment", frm, actor)

    def record_payment(self, t, actor, method, note=None):
        t = self.check(t)
        frm = self.state
        self.state = self.resume_to
        clock = self.resume(t, False)
        self.payment_state = "paid_online" if method == "online" else "paid_other"
        if method != "online":
            self.g.payment(self, None, method, "paid", "staff", actor[1], t, t)
        data = f'{{"method": "{method}"' + (f', "clock": "{clock}"' if clock else "") + "}"
        self.record(t, "record_payment", frm, actor, note=note, data=data)

    def end(self, t, action, actor, reason=None):
        """refuse / withdraw / stop."""
        t = self.check(t)
        frm = self.state
        self.state = {"refuse": "refused", "withdraw": "withdrawn", "stop": "stopped"}[action]
        self.close_step(t)
        self.finished_at = t
        self.record(t, action, frm, actor, reason=reason)

    def apologise(self, t, actor, new_due):
        t = self.check(t)
        current = self.due_at if self.due_at is not None else self.paused_due_at
        if self.original_due_at is None:
            self.original_due_at = current
        if self.paused_at is not None:
            self.remaining += max(0, self.g.cal.minutes_between(self.paused_due_at, new_due))
            self.paused_due_at = new_due
        else:
            self.due_at = new_due
        self.apologies += 1
        clock = self.g.clock
        data = f'{{"previous_due_at": "{clock.rfc(current)}", "new_due_at": "{clock.rfc(new_due)}"}}'
        self.record(t, "apologise", self.state, actor, reason=self.r.choice(vocab.APOLOGY_REASONS), data=data)

    # -------------------------------------------------------------- the plan

    def run(self):
        try:
            self.create()
            self.life()
        except Truncated:
            pass
        if not self.g.outbox_all and self.seq > 1:
            self.outbox(*self.pending_outbox)
        if self.r.random() < 0.0012:
            self.dead_letter()
        self.emit()

    def applicant_or_clerk(self):
        return self.applicant() if (self.cit and self.channel == 2) else self.desk_clerk()

    def life(self):
        r = self.r
        P = self.P
        g = self.g
        online = self.channel == 2
        t = self.t0
        budget = P.budget
        if online:
            t = self.after_work(t, min(r.expovariate(1 / (600 + 0.06 * budget)), 2 * DAYLEN))
            u = r.random()
            if u < 0.004 and self.cit:
                self.end(self.t0 + int(r.expovariate(1 / 7200.0)) + 60, "withdraw", self.applicant())
                return
            if u < 0.022:
                self.end(t, "refuse", self.desk_clerk(), reason=r.choice(vocab.REFUSE_REASONS))
                return
            if u < 0.07:
                self.request_supplement(t, self.desk_clerk())
                if not self.supplied():
                    return
                t = self.after_work(self.last, r.expovariate(1 / 3600.0))
                if r.random() < 0.08:
                    self.end(t, "refuse", self.desk_clerk(), reason=r.choice(vocab.REFUSE_REASONS))
                    return
            self.accept(t, self.desk_clerk())
        pace = self.A.pace * P.pace * P.scale * math.exp(r.gauss(-0.85, 0.5))
        if r.random() < 0.006:
            pace *= 4 + 8 * r.random()  # stuck somewhere
        # Fees due on submission: requested and paid before processing.
        if P.fees_total and P.fee_on_submit:
            if not self.pay(self.desk_clerk()):
                return
        u = r.random()
        if u < 0.003:
            self.end(self.after_work(self.last, 1800), "withdraw", self.applicant_or_clerk())
            return
        if u < 0.012:
            self.request_supplement(self.after_work(self.last, 1200), self.desk_clerk())
            if not self.supplied():
                return
        # The one-stop desk hands the file to the processing unit.
        h0 = P.steps[0].hours * 3600
        # (paper received after 15:00 goes over the next working morning, when its clock starts)
        self.hand_over(self.after_work(max(self.last, self.clock_started_at),
                                       h0 * (0.1 + 0.6 * r.random()) * min(pace * 2, 1.2)), self.desk_clerk())
        last = len(P.steps) - 1
        sent_back = False
        supplemented = False
        while True:
            s = P.steps[self.step]
            dur = s.hours * 3600 * pace * math.exp(r.gauss(0, 0.35))
            if s.role == "leader":
                t_done = self.after_work(self.last, dur)
                self.maybe_apologise(t_done)
                if r.random() < 0.001:
                    self.end(self.after_work(self.last, dur / 2), "stop", self.actor_at_step("leader"),
                             reason=r.choice(vocab.STOP_REASONS))
                    return
                if not sent_back and r.random() < 0.03:
                    sent_back = True
                    self.send_back(t_done, self.actor_at_step("leader"))
                    pace *= 0.5
                    continue
                self.finish(t_done, "approve", self.actor_at_step("leader"))
                break
            # A processing unit's step.
            if not supplemented and self.step == 1 and r.random() < 0.05:
                supplemented = True
                self.request_supplement(self.after_work(self.last, dur * 0.3), self.actor_at_step("officer"))
                if not self.supplied():
                    return
                dur *= 0.7
            if r.random() < 0.0015:
                self.end(self.after_work(self.last, dur / 2), "stop", self.leader_of_agency(),
                         reason=r.choice(vocab.STOP_REASONS))
                return
            if r.random() < 0.0015:
                self.end(self.after_work(self.last, dur / 2), "withdraw", self.applicant_or_clerk())
                return
            t_done = self.after_work(self.last, dur)
            nxt = self.step + 1
            if P.fees_total and not P.fee_on_submit and self.payment_state == "none" and \
                    (nxt == last or P.steps[nxt].role == "leader"):
                self.last = max(self.last, t_done - 120)
                if not self.pay(self.actor_at_step("officer")):
                    return
                t_done = self.after_work(self.last, 900)
            if nxt == last:
                self.maybe_apologise(t_done)
                self.finish(t_done, "issue_result", self.actor_at_step("officer"))
                break
            if P.steps[nxt].role == "leader":
                self.submit_for_approval(t_done, self.actor_at_step("officer"))
            else:
                self.hand_over(t_done, self.actor_at_step("officer"))
        # The result is handed over.
        code, name, electronic = P.result
        t = self.last
        if online and electronic and "online" in P.delivery and r.random() < 0.85:
            self.return_result(self.after_work(t, 300 + r.random() * 3000), self.desk_clerk(), "online")
        elif (self.channel == 3 or r.random() < 0.08) and "post" in P.delivery:
            self.return_result(self.after_work(t, DAYLEN * (0.5 + r.random())), self.desk_clerk(), "post")
        else:
            if r.random() < 0.015:
                return  # never collected
            self.return_result(self.after_work(t, min(r.expovariate(1 / (1.2 * DAYLEN)), 40 * DAYLEN)),
                               self.desk_clerk(), "in_person")

    def supplied(self):
        """The applicant's answer to a supplement request; False when there is none (yet)."""
        r = self.r
        u = r.random()
        if u < 0.06:
            return False  # never answered: waits
        if u < 0.11:
            who = self.applicant_or_clerk()
            t = self.after_cal(self.last, 86400 * (5 + 40 * r.random()))
            if who[0] == "staff":
                t = self.after_work(t, 600)
            self.end(t, "withdraw", who)
            return False
        wait = 3600 * 6 + r.expovariate(1 / (86400 * 3.0))
        if self.cit and self.channel == 2 and r.random() < 0.8:
            self.receive_supplement(self.after_cal(self.last, wait), self.applicant())
        else:
            self.receive_supplement(self.after_work(self.after_cal(self.last, wait), 600), self.desk_clerk())
        return True

    def pay(self, requester):
        """request_payment then record_payment; False when the fee is not paid (yet)."""
        r = self.r
        g = self.g
        self.request_payment(self.after_work(self.last, 120 + r.random() * 600), requester)
        u = r.random()
        if u < 0.012:
            return False
        if self.channel == 2 and self.cit and r.random() < g.online_pay_share(self.t0):
            t = self.after_cal(self.last, 300 + r.expovariate(1 / 14400.0))
            if t > g.as_of:
                raise Truncated
            if r.random() < 0.06:
                g.payment(self, g.reference(t), "online", "failed", "citizen", self.cit, t, None,
                          failure="MaLoi 24 Giao dịch bị hủy bởi người dùng")
                t += 120 + int(r.random() * 1800)
            paid = t + 40 + int(r.random() * 200)
            ref = g.reference(t)
            txn = f"{r.getrandbits(40):013d}"[:13]
            self.record_payment(paid, g.PAYGOV, "online", note=f"Thanh toán trực tuyến, mã giao dịch {txn}")
            g.payment(self, ref, "online", "paid", "citizen", self.cit, t, paid, txn=txn,
                      bank=r.choice(vocab.BANKS))
            return True
        if self.channel == 2:
            t = self.after_work(self.last, DAYLEN * (0.2 + 1.5 * r.random()))
            self.record_payment(t, self.desk_clerk(), "transfer")
        else:
            t = self.after_work(self.last, 120 + r.random() * 600) if self.step == 0 else \
                self.after_work(self.last, DAYLEN * (0.3 + 2 * r.random()))
            self.record_payment(t, self.desk_clerk(), "cash" if r.random() < 0.75 else "transfer")
        return True

    def maybe_apologise(self, t_finish):
        """Going to be late: the apology (Mẫu 04) at the latest one working day before the appointment."""
        if self.apologies or self.due_at is None or t_finish <= self.due_at:
            return
        r = self.r
        if r.random() >= 0.45:
            return
        cal = self.g.cal
        t_ap = cal.at_pos(max(1, cal.wpos(self.due_at) - DAYLEN))
        if t_ap <= self.last:
            t_ap = cal.add(self.last, 600 + int(r.random() * 3000))
        if t_ap >= self.due_at or t_ap >= t_finish:
            return
        target = cal.add(t_finish, int(DAYLEN * (0.2 + 2 * r.random())))
        new_due = (target // 86400) * 86400 + AE
        if new_due <= self.due_at:
            return
        actor = self.leader_of_agency() if r.random() < 0.5 else self.desk_clerk()
        self.apologise(t_ap, actor, new_due)

    # -------------------------------------------------------------- the rows

    def emit(self):
        g = self.g
        clock = g.clock
        r = self.r
        ts = clock.ts
        for i, (k, name, uid, start, due, fin, tl) in enumerate(self.steps, start=1):
            g.s_step.add(f"{self.id}\t{i}\t{k}\t{name}\t{uid}\t{ts(start)}\t{ts(due)}\t"
                         f"{clock.ts_or_null(fin)}\t{tl or NUL}\n")
        for uid, since in self.holders.items():
            g.s_holder.add(f"{self.id}\t{uid}\t{ts(since)}\n")
        g.emit_dossier(self)
        # Satisfaction and complaints, from applicants with an account.
        if self.cit and self.state in ("result_ready", "returned"):
            if r.random() < 0.3:
                t = (self.returned_at or self.finished_at) + int(r.expovariate(1 / 86400.0)) + 300
                if t <= g.as_of:
                    u = r.random()
                    if self.late:
                        score = 1 if u < 0.25 else (2 if u < 0.5 else (3 if u < 0.8 else 4))
                    else:
                        score = 5 if u < 0.66 else (4 if u < 0.9 else (3 if u < 0.97 else (2 if u < 0.99 else 1)))
                    comment = r.choice(vocab.RATING_COMMENTS[score]) if r.random() < 0.35 else NUL
                    g.s_rating.add(f"{self.id}\t{self.cit}\t{score}\t{comment}\t{ts(t)}\n")
        if self.cit:
            p = 0.003 + (0.05 if self.late else 0.0) + (0.02 if self.state in ("refused", "stopped") else 0.0)
            if r.random() < p:
                complaint = self.late or self.state in ("refused", "stopped") or r.random() < 0.3
                kind = "kien_nghi" if complaint else "phan_anh"
                text = r.choice(vocab.FEEDBACK_KIEN_NGHI if complaint else vocab.FEEDBACK_PHAN_ANH)
                t = self.t0 + int((self.last - self.t0) * r.random()) + 600
                if t <= g.as_of:
                    answered = t + 3 * 86400 < g.as_of and r.random() < 0.8
                    g.s_feedback.add(f"{g.uuid(r)}\t{self.id}\t{self.cit}\t{kind}\t{text}\t"
                                     f"{'answered' if answered else 'received'}\t"
                                     f"{r.choice(vocab.FEEDBACK_ANSWERS) if answered else NUL}\t{ts(t)}\n")
