-- The audit log in PostgreSQL: one row per record, as written (docs/large-logs.md).
-- Load each file, oldest first, with psql:
--   psql "$URL" -c "\copy audit (record) FROM pstdin WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')" < audit.jsonl
-- (a JSON line holds no raw control character, so with those two as quote and delimiter every
-- line is one field, taken as it is).
CREATE TABLE audit (
  line bigserial PRIMARY KEY,  -- the order of loading: oldest first
  record jsonb NOT NULL
);

-- What the report counts, one row per record: messages of the three directions it counts,
-- releases of inbound and outbound mail, and the sweeper's breaches, contact gaps and missed
-- promises. A message left the MTA unless it was held, rejected or tempfailed; a held one counts
-- when it is released, with the figures of its release record.
CREATE VIEW counted AS
SELECT line,
       record->>'instance' AS instance,
       record->>'event' AS event,
       coalesce(record->>'message_time', record->>'at', record->>'time')::timestamptz AS t,
       record->>'thread_id' AS thread_id,
       record->>'direction' AS direction,
       record->>'author' AS agent,
       record->>'action' AS action,
       record->>'event' = 'release'
         OR (record->>'event' = 'message' AND record->>'action' NOT IN ('hold', 'reject', 'tempfail')) AS left_mta,
       (record->'sla'->>'latency_s')::bigint AS latency_s,
       (record->'sla'->>'first_reply')::boolean AS first_reply,
       record->'findings' AS findings
FROM audit
WHERE (record->>'event' = 'message' AND record->>'direction' IN ('inbound', 'outbound', 'internal'))
   OR (record->>'event' = 'release' AND record->>'direction' IN ('inbound', 'outbound'))
   OR record->>'event' IN ('sla_breach', 'contact_gap', 'promise_missed');
