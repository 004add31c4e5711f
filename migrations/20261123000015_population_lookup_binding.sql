-- A counter clerk's lookup vouches for the dossier they then receive: the lookup keeps a digest of the full
-- personal ID (the dossier itself holds the ID; the digest adds no exposure) so reception can check that the
-- verified person is the applicant typed in, and why an unknown answer was unknown.
ALTER TABLE population_lookup ADD COLUMN personal_id_sha256 text;
ALTER TABLE population_lookup ADD COLUMN reason text;
CREATE INDEX population_lookup_by ON population_lookup (requested_by, at);
