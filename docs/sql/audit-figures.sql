-- The report's main figures from the audit table (audit-schema.sql), for the whole log; for a
-- period, filter each on t (WHERE t >= '2026-01-01' AND t < '2027-01-01'). Percentiles
-- are nearest rank (percentile_disc), as `report` computes them; the target and the limit are
-- sla.target_seconds and sla.limit_seconds (2 h and 24 h by default).

-- The totals.
SELECT count(DISTINCT thread_id) FILTER (WHERE event IN ('message', 'release')) AS threads,
       count(*) FILTER (WHERE direction = 'inbound' AND left_mta) AS customer_messages,
       count(*) FILTER (WHERE direction = 'outbound' AND left_mta) AS replies,
       count(latency_s) FILTER (WHERE left_mta AND first_reply) AS first_replies,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND first_reply) AS first_p50_s,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND first_reply) AS first_p90_s,
       max(latency_s) FILTER (WHERE left_mta AND first_reply) AS first_max_s,
       count(latency_s) FILTER (WHERE left_mta AND NOT first_reply) AS next_replies,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND NOT first_reply) AS next_p50_s,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND NOT first_reply) AS next_p90_s,
       max(latency_s) FILTER (WHERE left_mta AND NOT first_reply) AS next_max_s,
       round(avg((latency_s <= 7200)::int) FILTER (WHERE left_mta), 3) AS within_target,
       round(avg((latency_s <= 86400)::int) FILTER (WHERE left_mta), 3) AS within_limit,
       count(*) FILTER (WHERE event = 'sla_breach') AS breaches,
       count(*) FILTER (WHERE event = 'contact_gap') AS contact_gaps,
       count(*) FILTER (WHERE event = 'promise_missed') AS promises_missed,
       count(*) FILTER (WHERE event = 'message' AND action = 'hold') AS held,
       count(*) FILTER (WHERE event = 'release') AS released,
       count(*) FILTER (WHERE event = 'message' AND action = 'reject') AS rejected
FROM counted;

-- Threads where the customer had the last word: the last message that left is theirs.
SELECT count(*) FILTER (WHERE direction = 'inbound') AS customer_last_word
FROM (SELECT DISTINCT ON (thread_id) thread_id, direction
      FROM counted
      WHERE event IN ('message', 'release') AND left_mta AND direction IN ('inbound', 'outbound')
      ORDER BY thread_id, t DESC, line DESC) AS last_message;

-- Failed findings per rule (the failures are findings in either form of the message record).
SELECT f->>'rule' AS rule, count(*) AS findings
FROM counted, jsonb_array_elements(findings) AS f
WHERE event = 'message' AND f->>'result' = 'fail'
GROUP BY 1 ORDER BY 1;

-- Per day (UTC; name sla.time_zone instead for the report's days).
SELECT (t AT TIME ZONE 'UTC')::date AS day,
       count(*) FILTER (WHERE direction = 'inbound' AND left_mta) AS customer_messages,
       count(*) FILTER (WHERE direction = 'outbound' AND left_mta) AS replies,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND first_reply) AS first_p50_s,
       count(*) FILTER (WHERE event = 'sla_breach') AS breaches
FROM counted
GROUP BY 1 ORDER BY 1;

-- Per agent.
SELECT agent,
       count(*) FILTER (WHERE left_mta) AS replies,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND first_reply) AS first_p50_s,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY latency_s) FILTER (WHERE left_mta AND first_reply) AS first_p90_s,
       count(*) FILTER (WHERE event = 'message' AND action = 'hold') AS held
FROM counted
WHERE direction = 'outbound' AND event IN ('message', 'release')
GROUP BY 1 ORDER BY 1;
