"""Vietnam's working calendar, as backend/src/domain/calendar.rs computes it, for the generator.

Every time here is an integer number of seconds: UTC epoch seconds at the boundary (what is stored),
Vietnam local seconds (UTC+7, no DST) inside. A day number is local seconds // 86400.

The rules mirror the Rust ones exactly, so that the due times, pauses and timeliness the generator
writes are the ones the server would have computed:
  * working week Monday-Friday, sessions 07:30-11:30 and 13:00-17:00 (8 h = 1 working day),
    days off and swapped working days from `calendar_day`;
  * a due time is inside a session or exactly at a session's end (8 h from Mon 07:30 is Mon 17:00);
  * paper dossiers received after 15:00 start at the next working day's opening;
  * calendar-day periods end at 17:00 of start date + n (next working day when that is a day off).
"""

import math
from datetime import date, timedelta

VN = 7 * 3600
MS, ME, AS, AE = 27000, 41400, 46800, 61200  # 07:30, 11:30, 13:00, 17:00 as seconds of the day
CUTOFF = 54000  # 15:00
HALF = ME - MS  # 14400 s, the morning session
DAYLEN = HALF + (AE - AS)  # 28800 s = 8 working hours
EPOCH = date(1970, 1, 1)


def day_number(d):
    return (d - EPOCH).days


def day_date(n):
    return EPOCH + timedelta(days=n)


# --------------------------------------------------------------------------------------------------
# Lunar calendar (Hồ Ngọc Đức's algorithm, UTC+7), for Tết and Giỗ Tổ in years the holiday table lacks.


def _jd_from_date(dd, mm, yy):
    a = (14 - mm) // 12
    y = yy + 4800 - a
    m = mm + 12 * a - 3
    jd = dd + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045
    if jd < 2299161:
        jd = dd + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return jd


def _jd_to_date(jd):
    if jd > 2299160:
        a = jd + 32044
        b = (4 * a + 3) // 146097
        c = a - (b * 146097) // 4
    else:
        b = 0
        c = jd + 32082
    d = (4 * c + 3) // 1461
    e = c - (1461 * d) // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = b * 100 + d - 4800 + m // 10
    return date(year, month, day)


def _new_moon(k):
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 -= 0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 -= 0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 -= 0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 -= 0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - deltat


def _new_moon_day(k, tz=7):
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_longitude(jdn):
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    lon = (l0 + dl) * dr
    lon -= math.pi * 2 * math.floor(lon / (math.pi * 2))
    return lon


def _sun_sector(day, tz=7):
    return math.floor(_sun_longitude(day - 0.5 - tz / 24) / math.pi * 6)


def _lunar_month11(yy, tz=7):
    off = _jd_from_date(31, 12, yy) - 2415021
    k = math.floor(off / 29.530588853)
    nm = _new_moon_day(k, tz)
    if _sun_sector(nm, tz) >= 9:
        nm = _new_moon_day(k - 1, tz)
    return nm


def _leap_month_offset(a11, tz=7):
    k = math.floor((a11 - 2415021.076998695) / 29.530588853 + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if not (arc != last and i < 14):
            break
    return i - 1


def lunar_to_solar(lday, lmonth, lyear, leap=False, tz=7):
    if lmonth < 11:
        a11, b11 = _lunar_month11(lyear - 1, tz), _lunar_month11(lyear, tz)
    else:
        a11, b11 = _lunar_month11(lyear, tz), _lunar_month11(lyear + 1, tz)
    k = math.floor(0.5 + (a11 - 2415021.076998695) / 29.530588853)
    off = lmonth - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11, tz)
        leap_month = leap_off - 2
        if leap_month < 0:
            leap_month += 12
        if leap and lmonth != leap_month:
            return None
        if leap or off >= leap_off:
            off += 1
    return _jd_to_date(_new_moon_day(k + off, tz) + lday - 1)


# --------------------------------------------------------------------------------------------------
# The statutory holidays of a year (calendar.rs default_days_off), for years without table rows.

_MAKE_UP = {
    "Tết Dương lịch": "Nghỉ bù Tết Dương lịch",
    "Tết Nguyên đán": "Nghỉ bù Tết Nguyên đán",
    "Giỗ Tổ Hùng Vương": "Nghỉ bù Giỗ Tổ Hùng Vương",
    "Ngày Chiến thắng": "Nghỉ bù Ngày Chiến thắng",
    "Ngày Quốc tế lao động": "Nghỉ bù Ngày Quốc tế lao động",
    "Quốc khánh": "Nghỉ bù Quốc khánh",
}


def _weekend(d):
    return d.weekday() >= 5


def national_day_adjacent(year):
    sep2 = date(year, 9, 2)
    return date(year, 9, 3) if sep2.weekday() in (0, 3, 6) else date(year, 9, 1)


def default_days_off(year):
    """[(date, name)] sorted, like calendar.rs default_days_off (weekend holidays listed, made up after)."""
    tet = lunar_to_solar(1, 1, year)
    hung = lunar_to_solar(10, 3, year)
    hol = [(date(year, 1, 1), "Tết Dương lịch")]
    d = tet - timedelta(days=1)
    for _ in range(5):
        hol.append((d, "Tết Nguyên đán"))
        d += timedelta(days=1)
    hol += [
        (hung, "Giỗ Tổ Hùng Vương"),
        (date(year, 4, 30), "Ngày Chiến thắng"),
        (date(year, 5, 1), "Ngày Quốc tế lao động"),
        (date(year, 9, 2), "Quốc khánh"),
        (national_day_adjacent(year), "Quốc khánh"),
    ]
    hol.sort(key=lambda x: x[0])
    dedup = []
    for x in hol:
        if not dedup or dedup[-1][0] != x[0]:
            dedup.append(x)
    taken = {x[0] for x in dedup}
    result = list(dedup)
    for d, name in dedup:
        if _weekend(d):
            m = d + timedelta(days=1)
            while _weekend(m) or m in taken:
                m += timedelta(days=1)
            taken.add(m)
            result.append((m, _MAKE_UP[name]))
    result.sort(key=lambda x: x[0])
    return result


# --------------------------------------------------------------------------------------------------
# Working-time arithmetic on local seconds.


class Calendar:
    """Default hours (07:30-11:30, 13:00-17:00, cut-off 15:00) with the given exceptions, for the day
    numbers [first, last]."""

    def __init__(self, first_day, last_day, days_off, working_days):
        self.first = first_day
        n = last_day - first_day + 1
        is_work = bytearray(n)
        for i in range(n):
            d = first_day + i
            wd = (d + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
            is_work[i] = 1 if wd < 5 else 0
        for d in days_off:
            if first_day <= d <= last_day:
                is_work[d - first_day] = 0
        for d in working_days:
            if first_day <= d <= last_day:
                is_work[d - first_day] = 1
        self.is_work = is_work
        # rank[i]: working days strictly before day first+i; workdays[k]: the k-th working day.
        rank = [0] * (n + 1)
        workdays = []
        r = 0
        for i in range(n):
            rank[i] = r
            if is_work[i]:
                workdays.append(first_day + i)
                r += 1
        rank[n] = r
        self.rank = rank
        self.workdays = workdays
        # next working day strictly after day i (index), as a day number
        nxt = [0] * n
        following = last_day + 1
        for i in range(n - 1, -1, -1):
            nxt[i] = following
            if is_work[i]:
                following = first_day + i
        self._next = nxt

    def working(self, day):
        return self.is_work[day - self.first] == 1

    def next_working_day(self, day):
        return self._next[day - self.first]

    def wpos(self, t):
        """Working seconds from the calendar's first day to local time t."""
        d, s = divmod(t, 86400)
        i = d - self.first
        base = self.rank[i] * DAYLEN
        if not self.is_work[i] or s <= MS:
            return base
        if s <= ME:
            return base + s - MS
        if s <= AS:
            return base + HALF
        if s <= AE:
            return base + HALF + s - AS
        return base + DAYLEN

    def next_instant(self, t):
        d, s = divmod(t, 86400)
        if self.is_work[d - self.first]:
            if s < MS:
                return d * 86400 + MS
            if s < ME:
                return t
            if s < AS:
                return d * 86400 + AS
            if s < AE:
                return t
        return self._next[d - self.first] * 86400 + MS

    def at_pos(self, p):
        """The local time at working position p > 0, a session end when p ends one."""
        k, intra = divmod(p - 1, DAYLEN)
        intra += 1
        day = self.workdays[k]
        return day * 86400 + (MS + intra if intra <= HALF else AS + intra - HALF)

    def at_pos_start(self, p):
        """The local time at working position p, a session start when p is on a boundary (counting back)."""
        k, intra = divmod(p, DAYLEN)
        day = self.workdays[k]
        return day * 86400 + (MS + intra if intra < HALF else AS + intra - HALF)

    def add(self, t, secs):
        """add_working_duration(t, secs) for secs >= 0."""
        if secs <= 0:
            return self.next_instant(t)
        return self.at_pos(self.wpos(t) + secs)

    def between(self, a, b):
        """Working seconds from a to b (negative when b < a)."""
        return self.wpos(b) - self.wpos(a)

    def minutes_between(self, a, b):
        s = self.wpos(b) - self.wpos(a)
        return s // 60 if s >= 0 else -((-s) // 60)

    def counter_start(self, t):
        d, s = divmod(t, 86400)
        if self.is_work[d - self.first] and s > CUTOFF:
            return self._next[d - self.first] * 86400 + MS
        return self.next_instant(t)

    def due_for(self, start, unit, value):
        if unit == "working_days":
            return self.add(start, value * DAYLEN)
        if unit == "working_hours":
            return self.add(start, value * 3600)
        last = start // 86400 + value
        if not self.is_work[last - self.first]:
            last = self._next[last - self.first]
        return last * 86400 + AE


def timeliness(due, finished):
    """'early' | 'on_time' | 'late' on local times (calendar.rs timeliness)."""
    if finished > due:
        return "late"
    if finished // 86400 == due // 86400:
        return "on_time"
    return "early"
