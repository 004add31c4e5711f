-- Month counters beside the day counters (issue 8, measured at 2 million dossiers): a report over a long period
-- summed every day row of it (about 700 a day for a province), which took half a second over three years. The same
-- contributions now also go to report_monthly (day = the first of the month), in the same trigger and transaction;
-- a report takes the whole months of its period from report_monthly and only the days before the first and after
-- the last whole month from report_daily (app::reports::flow_source), about eight times fewer rows.
-- And partial indexes for the staff queues over open dossiers only (about 2% of them), so that a queue, its count
-- and its search do not walk a unit's years of finished dossiers.

CREATE TABLE report_monthly (LIKE report_daily INCLUDING DEFAULTS);
ALTER TABLE report_monthly ADD PRIMARY KEY (agency_id, day, procedure_code, channel, unit_id, field_code);
ALTER TABLE report_monthly ADD CONSTRAINT report_monthly_first_of_month CHECK (extract(day FROM day) = 1);

CREATE OR REPLACE FUNCTION report_add(f report_fact, s integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    anchor text;
    r report_daily;
BEGIN
    FOREACH anchor IN ARRAY ARRAY['received', 'finished', 'returned', 'rated', 'complained'] LOOP
        r := report_row(f, anchor, s);
        CONTINUE WHEN r.day IS NULL;
        INSERT INTO report_daily SELECT r.day, r.agency_id, r.unit_id, r.procedure_code, r.field_code, r.channel,
               r.received, r.received_counter, r.received_online, r.received_post, r.with_fee, r.paid_online, r.with_digitised_components, r.reusing_documents, r.using_population_data, r.synced, r.refused, r.withdrawn, r.stopped, r.finished_early, r.finished_on_time, r.finished_late, r.with_electronic_result, r.processed, r.processing_days, r.returned, r.ratings, r.negative_ratings, r.rating_sum, r.complaints
        ON CONFLICT (agency_id, day, procedure_code, channel, unit_id, field_code) DO UPDATE SET
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
        INSERT INTO report_monthly SELECT date_trunc('month', r.day)::date, r.agency_id, r.unit_id, r.procedure_code, r.field_code, r.channel,
               r.received, r.received_counter, r.received_online, r.received_post, r.with_fee, r.paid_online, r.with_digitised_components, r.reusing_documents, r.using_population_data, r.synced, r.refused, r.withdrawn, r.stopped, r.finished_early, r.finished_on_time, r.finished_late, r.with_electronic_result, r.processed, r.processing_days, r.returned, r.ratings, r.negative_ratings, r.rating_sum, r.complaints
        ON CONFLICT (agency_id, day, procedure_code, channel, unit_id, field_code) DO UPDATE SET
            received = report_monthly.received + EXCLUDED.received,
            received_counter = report_monthly.received_counter + EXCLUDED.received_counter,
            received_online = report_monthly.received_online + EXCLUDED.received_online,
            received_post = report_monthly.received_post + EXCLUDED.received_post,
            with_fee = report_monthly.with_fee + EXCLUDED.with_fee,
            paid_online = report_monthly.paid_online + EXCLUDED.paid_online,
            with_digitised_components = report_monthly.with_digitised_components + EXCLUDED.with_digitised_components,
            reusing_documents = report_monthly.reusing_documents + EXCLUDED.reusing_documents,
            using_population_data = report_monthly.using_population_data + EXCLUDED.using_population_data,
            synced = report_monthly.synced + EXCLUDED.synced,
            refused = report_monthly.refused + EXCLUDED.refused,
            withdrawn = report_monthly.withdrawn + EXCLUDED.withdrawn,
            stopped = report_monthly.stopped + EXCLUDED.stopped,
            finished_early = report_monthly.finished_early + EXCLUDED.finished_early,
            finished_on_time = report_monthly.finished_on_time + EXCLUDED.finished_on_time,
            finished_late = report_monthly.finished_late + EXCLUDED.finished_late,
            with_electronic_result = report_monthly.with_electronic_result + EXCLUDED.with_electronic_result,
            processed = report_monthly.processed + EXCLUDED.processed,
            processing_days = report_monthly.processing_days + EXCLUDED.processing_days,
            returned = report_monthly.returned + EXCLUDED.returned,
            ratings = report_monthly.ratings + EXCLUDED.ratings,
            negative_ratings = report_monthly.negative_ratings + EXCLUDED.negative_ratings,
            rating_sum = report_monthly.rating_sum + EXCLUDED.rating_sum,
            complaints = report_monthly.complaints + EXCLUDED.complaints;
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE report_fact, report_daily, report_monthly IN EXCLUSIVE MODE;
    ALTER TABLE report_fact DISABLE TRIGGER report_fact_to_daily;
    TRUNCATE report_daily, report_monthly, report_fact;
    INSERT INTO report_fact SELECT * FROM report_fact_source;
    INSERT INTO report_daily
    SELECT (r).day, (r).agency_id, (r).unit_id, (r).procedure_code, (r).field_code, (r).channel,
           sum((r).received), sum((r).received_counter), sum((r).received_online), sum((r).received_post), sum((r).with_fee), sum((r).paid_online), sum((r).with_digitised_components), sum((r).reusing_documents), sum((r).using_population_data), sum((r).synced), sum((r).refused), sum((r).withdrawn), sum((r).stopped), sum((r).finished_early), sum((r).finished_on_time), sum((r).finished_late), sum((r).with_electronic_result), sum((r).processed), sum((r).processing_days), sum((r).returned), sum((r).ratings), sum((r).negative_ratings), sum((r).rating_sum), sum((r).complaints)
      FROM (SELECT report_row(f, a, 1) AS r
              FROM report_fact f, unnest(ARRAY['received', 'finished', 'returned', 'rated', 'complained']) a) x
     WHERE (r).day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6;
    PERFORM report_rebuild_monthly();
    ALTER TABLE report_fact ENABLE TRIGGER report_fact_to_daily;
END $$;

-- The month counters as the sums of the day counters (the rebuild, and this migration's backfill).
CREATE FUNCTION report_rebuild_monthly() RETURNS void LANGUAGE sql AS $$
    INSERT INTO report_monthly
    SELECT date_trunc('month', day)::date, agency_id, unit_id, procedure_code, field_code, channel,
           sum(received), sum(received_counter), sum(received_online), sum(received_post), sum(with_fee), sum(paid_online), sum(with_digitised_components), sum(reusing_documents), sum(using_population_data), sum(synced), sum(refused), sum(withdrawn), sum(stopped), sum(finished_early), sum(finished_on_time), sum(finished_late), sum(with_electronic_result), sum(processed), sum(processing_days), sum(returned), sum(ratings), sum(negative_ratings), sum(rating_sum), sum(complaints)
      FROM report_daily
     GROUP BY 1, 2, 3, 4, 5, 6;
$$;
SELECT report_rebuild_monthly();

-- Staff queues. Ordered by submission within a unit (and within a unit and state), and over open dossiers only.
DROP INDEX dossier_unit_queue;
CREATE INDEX dossier_unit_queue ON dossier (current_unit_id, state, submitted_at, id);
CREATE INDEX dossier_unit_submitted ON dossier (current_unit_id, submitted_at, id);
CREATE INDEX dossier_open_unit ON dossier (current_unit_id, submitted_at, id)
    WHERE finished_at IS NULL AND state NOT IN ('returned', 'refused', 'withdrawn', 'stopped');
CREATE INDEX dossier_open_assignee ON dossier (assignee_id, submitted_at, id)
    WHERE finished_at IS NULL AND state NOT IN ('returned', 'refused', 'withdrawn', 'stopped');
CREATE INDEX dossier_open_state ON dossier (state, submitted_at, id)
    WHERE finished_at IS NULL AND state NOT IN ('returned', 'refused', 'withdrawn', 'stopped');
-- The register (Mẫu 07) of a day or a month: dossiers by reception time.
CREATE INDEX dossier_received ON dossier (received_at) WHERE received_at IS NOT NULL;
