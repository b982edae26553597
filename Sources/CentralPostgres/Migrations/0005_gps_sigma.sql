-- Each capture's GPS uncertainty (1 sigma per horizontal axis, metres), as ingest was
-- told (--gps-sigma-m) or assumed it. Older captures have none: readers assume the default.
ALTER TABLE capture ADD COLUMN gps_sigma_m DOUBLE PRECISION;
