-- routing_expert_load_by_step: a plain view (no storage) of per-expert load over steps, straight from the raw traces
-- in routing_trace, for users who query traces directly: routes per (source, step, layer, expert), an id repeated in
-- one route counted once, as in routing_layer_stats.load; time is the step's earliest trace time.
-- Grain: source x step x layer x expert. Reads routing_trace FINAL, so replayed traces count once. Filter on source
-- (and step or time) first: the view scans what the WHERE clause leaves of routing_trace.
-- Retention: none of its own (routing_trace's).
CREATE VIEW IF NOT EXISTS routing_expert_load_by_step AS
SELECT source, step, layer, expert, count() AS routes, min(time) AS time
FROM
(
    SELECT source, step, layer, time, arrayDistinct(expert_ids) AS ids
    FROM routing_trace FINAL
)
ARRAY JOIN ids AS expert
GROUP BY source, step, layer, expert;
