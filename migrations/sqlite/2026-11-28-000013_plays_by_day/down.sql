-- Raw plays are partitioned by day on PostgreSQL only; SQLite keeps one table and purges it in
-- batches. This migration exists so that both backends keep the same list.
SELECT 1;
