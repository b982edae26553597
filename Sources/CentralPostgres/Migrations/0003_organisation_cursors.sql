-- crackmon central store on PostgreSQL: migration 0003.
-- Pull cursors count each organisation's receipts only: a global counter let one organisation
-- watch another's activity in the gaps between its own numbers. Receipts already given keep
-- their number (the cursors devices hold stay valid); each organisation's counter starts above
-- every number given so far. A push takes receipt_counter's row lock first, then its
-- organisation's: numbers in both orders are handed out in commit order.

ALTER TABLE push_receipt ADD COLUMN org_seq BIGINT;
UPDATE push_receipt SET org_seq = server_seq;
CREATE INDEX push_receipt_by_asset_org_seq ON push_receipt (asset_id, org_seq);

CREATE TABLE org_receipt_counter (
  org_id TEXT PRIMARY KEY REFERENCES org(id),
  last BIGINT NOT NULL CHECK (last >= 0)
);

INSERT INTO org_receipt_counter (org_id, last)
  SELECT id, (SELECT COALESCE(MAX(server_seq), 0) FROM push_receipt) FROM org;
