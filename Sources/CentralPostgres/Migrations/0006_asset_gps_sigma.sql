-- An asset's GPS uncertainty (1 sigma per horizontal axis, metres) where its photos' differs
-- from open sky: under a deck, in a tunnel, with RTK. Ingest's default for the asset's photos.
ALTER TABLE asset ADD COLUMN gps_sigma_m DOUBLE PRECISION;
