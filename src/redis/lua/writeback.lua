-- writeback(node, seq, generation, writeback, records): msync, the EX hold is kept. ARGV[4] seq,
-- ARGV[5] generation, ARGV[6] number of pages n, then n pairs (page key, bytes) from ARGV[7], then
-- the node's records for the outbox KEYS[3] (common.lua post_records).
-- Reply: {'written', accepted} | {'stale', rejected}
local bad_int = first_non_integer(4, 5, 6)
if bad_int then return protocol_error('writeback: not an integer: ' .. bad_int) end
local SEQ = tonumber(ARGV[4])
local GEN = tonumber(ARGV[5])
local N = tonumber(ARGV[6])
local RECORDS = 7 + 2 * N

local bad = first_foreign_page(7, N)
if bad then return protocol_error('write-back of page ' .. bad .. ' which is not in unit ' .. UNIT) end
local bad_record = bad_records(RECORDS)
if bad_record then return protocol_error('writeback: bad record argument ' .. bad_record) end

local u = load_unit()
post_records(RECORDS)
if node_dead() then return fenced(GEN, 7, N) end
local h = u.holders[NODE]
if h == nil or h.seq ~= SEQ then return fenced(GEN, 7, N) end
if not writeback_acceptable(u, h, GEN, N) then return fenced(GEN, 7, N) end
apply_writeback(GEN, 7, N)
return {'written', N}
