-- The working calendar's exceptions (domain.md §5): public holidays and make-up days off, and
-- swapped working days (a Saturday worked in exchange for a bridge day). Ordinary weekdays and
-- weekends are not stored. Province-wide; administrators edit it through the API.
-- `motcua migrate` loads the decreed (or, where no decree is known, computed) days for the current
-- and next year when a year has no rows yet; later edits are never overwritten.
CREATE TABLE calendar_day (
    day         date PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('day_off', 'working_day')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    source      text NOT NULL CHECK (source IN ('decree', 'computed', 'admin')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- A swapped working day is a weekend day; a day off on a weekend is kept only for display.
    CHECK (kind = 'day_off' OR extract(isodow FROM day) IN (6, 7))
);
