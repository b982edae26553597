-- crackmon central store on PostgreSQL: migration 0002.
-- A device store keeps its id when its token is rotated (revoked, and a new one added): the
-- store id is unique among live tokens only. Which tokens may take over a store id is decided
-- by the push that binds it (the same organisation, and only after the old token is revoked).

ALTER TABLE device_registration DROP CONSTRAINT device_registration_store_device_id_key;
CREATE UNIQUE INDEX device_registration_live_store ON device_registration (store_device_id)
  WHERE revoked_at IS NULL;
