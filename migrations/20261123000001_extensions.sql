-- Accent-insensitive search for Vietnamese text.
-- `unaccent` is only STABLE (its dictionary can change), so it cannot back an index directly.
-- `motcua_fold` pins the dictionary and is declared IMMUTABLE, so expression and trigram indexes
-- can use it: motcua_fold('Đăng ký khai sinh') = 'dang ky khai sinh'.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION motcua_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, t));

COMMENT ON FUNCTION motcua_fold(text) IS
    'lower-cased, diacritics removed (Đ/đ -> d); IMMUTABLE wrapper over unaccent for indexes';
