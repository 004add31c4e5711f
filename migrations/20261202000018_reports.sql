-- Reports that stay fast with years of data (issue 8): every dossier has one row of facts (report_fact), kept by
-- triggers on the tables it is made from, and every fact contributes to day counters (report_daily), kept by a
-- trigger on report_fact that takes the old row's contribution away and adds the new one's. A report over any
-- period sums day rows; the few figures that are a state at the end of the period (in progress, paused, waiting
-- to be received) are counted on the facts of open dossiers. One function, report_row(), says what a fact
-- contributes on each of its days: the trigger, the full rebuild and the drill-down lists all use it, so a
-- figure and the dossiers behind it cannot disagree.

-- Working days from the clock's start to the result, written by the application when the dossier is finished
-- (the working calendar is the application's); the reports average it.
ALTER TABLE dossier ADD COLUMN processing_days numeric(10, 2);

CREATE FUNCTION vn_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((t AT TIME ZONE 'UTC') + interval '7 hours')::date $$;

CREATE TABLE report_fact (
    dossier_id          uuid PRIMARY KEY REFERENCES dossier (id),
    agency_id           uuid NOT NULL,
    -- The processing unit (the first specialist step's), else the receiving desk.
    unit_id             uuid,
    procedure_code      text NOT NULL,
    field_code          text NOT NULL,
    channel             smallint NOT NULL,
    state               text NOT NULL,
    submitted_at        timestamptz NOT NULL,
    received_at         timestamptz,
    finished_at         timestamptz,
    returned_at         timestamptz,
    -- The appointment first given (timeliness is judged against it: an apology does not make a late dossier
    -- on time).
    promised            timestamptz,
    paused              boolean NOT NULL,
    -- For finished dossiers with an appointment: early, on_time or late.
    timeliness          text,
    processing_days     numeric(10, 2),
    with_fee            boolean NOT NULL,
    paid_online         boolean NOT NULL,
    with_components     boolean NOT NULL,
    reusing             boolean NOT NULL,
    population          boolean NOT NULL,
    synced              boolean NOT NULL,
    electronic_result   boolean NOT NULL,
    rated_at            timestamptz,
    rating              smallint,
    -- The first complaint (kiến nghị) about the dossier.
    complained_at       timestamptz
);
CREATE INDEX report_fact_open ON report_fact (agency_id) WHERE finished_at IS NULL;
CREATE INDEX report_fact_finished ON report_fact (agency_id, finished_at);
CREATE INDEX report_fact_received ON report_fact (agency_id, received_at);
CREATE INDEX report_fact_returned ON report_fact (agency_id, returned_at) WHERE returned_at IS NOT NULL;
CREATE INDEX report_fact_rated ON report_fact (agency_id, rated_at) WHERE rated_at IS NOT NULL;
CREATE INDEX report_fact_complained ON report_fact (agency_id, complained_at) WHERE complained_at IS NOT NULL;

CREATE TABLE report_daily (
    day                         date NOT NULL,
    agency_id                   uuid NOT NULL,
    -- The nil uuid when the dossier has no unit yet.
    unit_id                     uuid NOT NULL,
    procedure_code              text NOT NULL,
    field_code                  text NOT NULL,
    channel                     smallint NOT NULL,
    received                    integer NOT NULL DEFAULT 0,
    received_counter            integer NOT NULL DEFAULT 0,
    received_online             integer NOT NULL DEFAULT 0,
    received_post               integer NOT NULL DEFAULT 0,
    with_fee                    integer NOT NULL DEFAULT 0,
    paid_online                 integer NOT NULL DEFAULT 0,
    with_digitised_components   integer NOT NULL DEFAULT 0,
    reusing_documents           integer NOT NULL DEFAULT 0,
    using_population_data       integer NOT NULL DEFAULT 0,
    synced                      integer NOT NULL DEFAULT 0,
    refused                     integer NOT NULL DEFAULT 0,
    withdrawn                   integer NOT NULL DEFAULT 0,
    stopped                     integer NOT NULL DEFAULT 0,
    finished_early              integer NOT NULL DEFAULT 0,
    finished_on_time            integer NOT NULL DEFAULT 0,
    finished_late               integer NOT NULL DEFAULT 0,
    with_electronic_result      integer NOT NULL DEFAULT 0,
    processed                   integer NOT NULL DEFAULT 0,
    processing_days             numeric(14, 2) NOT NULL DEFAULT 0,
    returned                    integer NOT NULL DEFAULT 0,
    ratings                     integer NOT NULL DEFAULT 0,
    negative_ratings            integer NOT NULL DEFAULT 0,
    rating_sum                  integer NOT NULL DEFAULT 0,
    complaints                  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (agency_id, day, procedure_code, channel, unit_id, field_code)
);
CREATE INDEX report_daily_day ON report_daily (day);

-- What fact `f` adds to the counters of the day of its `anchor` (received, finished, returned, rated,
-- complained), times `s` (1 to add, -1 to take away); NULL when it has no such day.
CREATE FUNCTION report_row(f report_fact, anchor text, s integer) RETURNS report_daily
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    r report_daily;
    finished boolean := f.state IN ('result_ready', 'returned') AND f.promised IS NOT NULL;
BEGIN
    r.agency_id := f.agency_id;
    r.unit_id := coalesce(f.unit_id, '00000000-0000-0000-0000-000000000000');
    r.procedure_code := f.procedure_code;
    r.field_code := f.field_code;
    r.channel := f.channel;
    r.received := 0; r.received_counter := 0; r.received_online := 0; r.received_post := 0; r.with_fee := 0;
    r.paid_online := 0; r.with_digitised_components := 0; r.reusing_documents := 0; r.using_population_data := 0;
    r.synced := 0; r.refused := 0; r.withdrawn := 0; r.stopped := 0; r.finished_early := 0; r.finished_on_time := 0;
    r.finished_late := 0; r.with_electronic_result := 0; r.processed := 0; r.processing_days := 0; r.returned := 0;
    r.ratings := 0; r.negative_ratings := 0; r.rating_sum := 0; r.complaints := 0;
    CASE anchor
    WHEN 'received' THEN
        IF f.received_at IS NULL THEN RETURN NULL; END IF;
        r.day := vn_day(f.received_at);
        r.received := s;
        r.received_counter := CASE WHEN f.channel = 1 THEN s ELSE 0 END;
        r.received_online := CASE WHEN f.channel = 2 THEN s ELSE 0 END;
        r.received_post := CASE WHEN f.channel = 3 THEN s ELSE 0 END;
        r.with_fee := CASE WHEN f.with_fee THEN s ELSE 0 END;
        r.paid_online := CASE WHEN f.paid_online THEN s ELSE 0 END;
        r.with_digitised_components := CASE WHEN f.with_components THEN s ELSE 0 END;
        r.reusing_documents := CASE WHEN f.reusing THEN s ELSE 0 END;
        r.using_population_data := CASE WHEN f.population THEN s ELSE 0 END;
        r.synced := CASE WHEN f.synced THEN s ELSE 0 END;
    WHEN 'finished' THEN
        IF f.finished_at IS NULL THEN RETURN NULL; END IF;
        r.day := vn_day(f.finished_at);
        r.refused := CASE WHEN f.state = 'refused' THEN s ELSE 0 END;
        r.withdrawn := CASE WHEN f.state = 'withdrawn' THEN s ELSE 0 END;
        r.stopped := CASE WHEN f.state = 'stopped' THEN s ELSE 0 END;
        r.finished_early := CASE WHEN finished AND f.timeliness = 'early' THEN s ELSE 0 END;
        r.finished_on_time := CASE WHEN finished AND f.timeliness = 'on_time' THEN s ELSE 0 END;
        r.finished_late := CASE WHEN finished AND f.timeliness = 'late' THEN s ELSE 0 END;
        r.with_electronic_result := CASE WHEN finished AND f.electronic_result THEN s ELSE 0 END;
        r.processed := CASE WHEN finished AND f.processing_days IS NOT NULL THEN s ELSE 0 END;
        r.processing_days := CASE WHEN finished AND f.processing_days IS NOT NULL THEN s * f.processing_days ELSE 0 END;
    WHEN 'returned' THEN
        IF f.returned_at IS NULL THEN RETURN NULL; END IF;
        r.day := vn_day(f.returned_at);
        r.returned := s;
    WHEN 'rated' THEN
        IF f.rated_at IS NULL THEN RETURN NULL; END IF;
        r.day := vn_day(f.rated_at);
        r.ratings := s;
        r.negative_ratings := CASE WHEN f.rating <= 2 THEN s ELSE 0 END;
        r.rating_sum := s * f.rating;
    WHEN 'complained' THEN
        IF f.complained_at IS NULL THEN RETURN NULL; END IF;
        r.day := vn_day(f.complained_at);
        r.complaints := s;
    END CASE;
    RETURN r;
END $$;

CREATE FUNCTION report_add(f report_fact, s integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    anchor text;
    r report_daily;
BEGIN
    FOREACH anchor IN ARRAY ARRAY['received', 'finished', 'returned', 'rated', 'complained'] LOOP
        r := report_row(f, anchor, s);
        CONTINUE WHEN r.day IS NULL;
        INSERT INTO report_daily SELECT r.* ON CONFLICT (agency_id, day, procedure_code, channel, unit_id, field_code) DO UPDATE SET
            received = report_daily.received + EXCLUDED.received,
            received_counter = report_daily.received_counter + EXCLUDED.received_counter,
            received_online = report_daily.received_online + EXCLUDED.received_online,
            received_post = report_daily.received_post + EXCLUDED.received_post,
            with_fee = report_daily.with_fee + EXCLUDED.with_fee,
            paid_online = report_daily.paid_online + EXCLUDED.paid_online,
            with_digitised_components = report_daily.with_digitised_components + EXCLUDED.with_digitised_components,
            reusing_documents = report_daily.reusing_documents + EXCLUDED.reusing_documents,
            using_population_data = report_daily.using_population_data + EXCLUDED.using_population_data,
            synced = report_daily.synced + EXCLUDED.synced,
            refused = report_daily.refused + EXCLUDED.refused,
            withdrawn = report_daily.withdrawn + EXCLUDED.withdrawn,
            stopped = report_daily.stopped + EXCLUDED.stopped,
            finished_early = report_daily.finished_early + EXCLUDED.finished_early,
            finished_on_time = report_daily.finished_on_time + EXCLUDED.finished_on_time,
            finished_late = report_daily.finished_late + EXCLUDED.finished_late,
            with_electronic_result = report_daily.with_electronic_result + EXCLUDED.with_electronic_result,
            processed = report_daily.processed + EXCLUDED.processed,
            processing_days = report_daily.processing_days + EXCLUDED.processing_days,
            returned = report_daily.returned + EXCLUDED.returned,
            ratings = report_daily.ratings + EXCLUDED.ratings,
            negative_ratings = report_daily.negative_ratings + EXCLUDED.negative_ratings,
            rating_sum = report_daily.rating_sum + EXCLUDED.rating_sum,
            complaints = report_daily.complaints + EXCLUDED.complaints;
    END LOOP;
END $$;

CREATE FUNCTION report_fact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM report_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_fact_to_daily AFTER INSERT OR UPDATE OR DELETE ON report_fact
    FOR EACH ROW EXECUTE FUNCTION report_fact_changed();

-- The facts of the dossiers `ids` as the base tables say now (a view, so the refresh and the rebuild are one).
CREATE VIEW report_fact_source AS
SELECT d.id AS dossier_id,
       d.agency_id,
       coalesce(
           (SELECT s.unit_id FROM dossier_step s JOIN unit u ON u.id = s.unit_id
             WHERE s.dossier_id = d.id AND u.kind = 'specialist' ORDER BY s.seq LIMIT 1),
           (SELECT s.unit_id FROM dossier_step s WHERE s.dossier_id = d.id ORDER BY s.seq LIMIT 1)) AS unit_id,
       p.code AS procedure_code,
       pv.field_code,
       d.channel,
       d.state,
       d.submitted_at,
       d.received_at,
       d.finished_at,
       d.returned_at,
       coalesce(d.original_due_at, d.due_at, d.paused_due_at) AS promised,
       d.paused_at IS NOT NULL AS paused,
       CASE
           WHEN d.state NOT IN ('result_ready', 'returned') OR d.finished_at IS NULL
                OR coalesce(d.original_due_at, d.due_at, d.paused_due_at) IS NULL THEN NULL
           WHEN d.finished_at > coalesce(d.original_due_at, d.due_at, d.paused_due_at) THEN 'late'
           WHEN vn_day(d.finished_at) < vn_day(coalesce(d.original_due_at, d.due_at, d.paused_due_at)) THEN 'early'
           ELSE 'on_time'
       END AS timeliness,
       d.processing_days,
       d.fees_total > 0 AS with_fee,
       d.payment_state = 'paid_online' AS paid_online,
       EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_id = d.id AND a.role = 'component') AS with_components,
       EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_id = d.id AND a.reused_from IS NOT NULL) AS reusing,
       d.population_verified AS population,
       EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id AND o.status <> 'delivered') AS synced,
       EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_id = d.id AND a.role = 'result') AS electronic_result,
       r.rated_at,
       r.score AS rating,
       (SELECT min(f.created_at) FROM feedback f WHERE f.dossier_id = d.id AND f.kind = 'kien_nghi') AS complained_at
  FROM dossier d
  JOIN procedure_version pv ON pv.id = d.procedure_version_id
  JOIN procedure p ON p.id = pv.procedure_id
  LEFT JOIN dossier_rating r ON r.dossier_id = d.id;

CREATE FUNCTION report_refresh(id uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_fact SELECT * FROM report_fact_source s WHERE s.dossier_id = id
    ON CONFLICT (dossier_id) DO UPDATE SET
        agency_id = EXCLUDED.agency_id, unit_id = EXCLUDED.unit_id, procedure_code = EXCLUDED.procedure_code,
        field_code = EXCLUDED.field_code, channel = EXCLUDED.channel, state = EXCLUDED.state,
        submitted_at = EXCLUDED.submitted_at, received_at = EXCLUDED.received_at, finished_at = EXCLUDED.finished_at,
        returned_at = EXCLUDED.returned_at, promised = EXCLUDED.promised, paused = EXCLUDED.paused,
        timeliness = EXCLUDED.timeliness, processing_days = EXCLUDED.processing_days, with_fee = EXCLUDED.with_fee,
        paid_online = EXCLUDED.paid_online, with_components = EXCLUDED.with_components, reusing = EXCLUDED.reusing,
        population = EXCLUDED.population, synced = EXCLUDED.synced, electronic_result = EXCLUDED.electronic_result,
        rated_at = EXCLUDED.rated_at, rating = EXCLUDED.rating, complained_at = EXCLUDED.complained_at;
END $$;

-- Every change to what a fact is made of refreshes it, in the transaction of the change.
CREATE FUNCTION report_source_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'dossier' THEN
        PERFORM report_refresh(NEW.id);
    ELSE
        PERFORM report_refresh(NEW.dossier_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER dossier_to_report AFTER INSERT OR UPDATE ON dossier
    FOR EACH ROW EXECUTE FUNCTION report_source_changed();
CREATE TRIGGER attachment_to_report AFTER INSERT ON attachment
    FOR EACH ROW EXECUTE FUNCTION report_source_changed();
CREATE TRIGGER dossier_step_to_report AFTER INSERT ON dossier_step
    FOR EACH ROW EXECUTE FUNCTION report_source_changed();
CREATE TRIGGER outbox_to_report AFTER INSERT OR UPDATE OF status ON outbox
    FOR EACH ROW EXECUTE FUNCTION report_source_changed();
CREATE TRIGGER rating_to_report AFTER INSERT OR UPDATE ON dossier_rating
    FOR EACH ROW EXECUTE FUNCTION report_source_changed();
CREATE TRIGGER feedback_to_report AFTER INSERT ON feedback
    FOR EACH ROW EXECUTE FUNCTION report_source_changed();

-- Everything again from the base tables, set-based (after a bulk load with triggers off, or to check).
CREATE FUNCTION report_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE report_fact, report_daily IN EXCLUSIVE MODE;
    ALTER TABLE report_fact DISABLE TRIGGER report_fact_to_daily;
    TRUNCATE report_daily, report_fact;
    INSERT INTO report_fact SELECT * FROM report_fact_source;
    INSERT INTO report_daily
    SELECT (r).day, (r).agency_id, (r).unit_id, (r).procedure_code, (r).field_code, (r).channel,
           sum((r).received), sum((r).received_counter), sum((r).received_online), sum((r).received_post),
           sum((r).with_fee), sum((r).paid_online), sum((r).with_digitised_components), sum((r).reusing_documents),
           sum((r).using_population_data), sum((r).synced), sum((r).refused), sum((r).withdrawn), sum((r).stopped),
           sum((r).finished_early), sum((r).finished_on_time), sum((r).finished_late), sum((r).with_electronic_result),
           sum((r).processed), sum((r).processing_days), sum((r).returned), sum((r).ratings),
           sum((r).negative_ratings), sum((r).rating_sum), sum((r).complaints)
      FROM (SELECT report_row(f, a, 1) AS r
              FROM report_fact f, unnest(ARRAY['received', 'finished', 'returned', 'rated', 'complained']) a) x
     WHERE (r).day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6;
    ALTER TABLE report_fact ENABLE TRIGGER report_fact_to_daily;
END $$;

SELECT report_rebuild();
