-- What pillar scores are scored with besides kpi_values: the target and weight histories (append-only,
-- so their latest ids name them) and the catalogue's defaults. unit_scores rows carry it.
SELECT concat_ws('/',
                 (SELECT coalesce(max(id), 0) FROM targets),
                 (SELECT coalesce(max(id), 0) FROM pillar_weights),
                 (SELECT md5(string_agg(concat_ws(':', id, pillar, default_target, position), ',' ORDER BY id))
                  FROM kpis),
                 (SELECT md5(string_agg(concat_ws(':', id, default_weight), ',' ORDER BY id)) FROM pillars)) AS basis
