-- The cache epoch (com.gad.stats.cache.CacheEpoch): one counter all instances share, advanced with
-- nextval on every full invalidation and read with last_value at start, so that no instance ever
-- compares its clock with another's.
CREATE SEQUENCE gad_cache_epoch AS bigint;

-- Values cached by earlier versions carry their host's clock in milliseconds as their epoch. The
-- counter starts a day above the database's clock, so they all read as stale once an instance of
-- this version has read it, even from a host whose clock ran ahead.
SELECT setval('gad_cache_epoch', (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 86400000);
