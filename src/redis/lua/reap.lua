-- reap(node): declares a node (one incarnation) dead once its lease key has expired. Standalone
-- (common.lua is not prepended). Atomic: from this point every request of the node is fenced
-- (common.lua node_dead), so it can gain nothing while its units are purged one by one.
-- ARGV[1] run prefix, ARGV[2] node id, ARGV[3] '1' to skip the lease check (tests, forced kill).
-- Reply: nil while the lease lives; else the sorted units the node touched (purge each).
local P, NODE = ARGV[1], ARGV[2]
if ARGV[3] ~= '1' and redis.call('EXISTS', P .. 'lease:' .. NODE) == 1 then return false end
redis.call('SADD', P .. 'dead', NODE)
redis.call('HDEL', P .. 'members', NODE)
local units = redis.call('SMEMBERS', P .. 'touched:' .. NODE)
redis.call('DEL', P .. 'touched:' .. NODE)
table.sort(units)
return units
