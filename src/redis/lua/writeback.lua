-- writeback(node, seq, generation, writeback): msync, the EX hold is kept. ARGV[4] seq,
-- ARGV[5] generation, ARGV[6] number of pages n, then n pairs (page key, bytes) from ARGV[7].
-- Reply: {'written', accepted} | {'stale', rejected}
local bad_int = first_non_integer(4, 5)
if bad_int then return protocol_error('writeback: not an integer: ' .. bad_int) end
local SEQ = tonumber(ARGV[4])
local GEN = tonumber(ARGV[5])
local N = tonumber(ARGV[6])

local bad = first_foreign_page(7, N)
if bad then return protocol_error('write-back of page ' .. bad .. ' which is not in unit ' .. UNIT) end

local u = load_unit()
if node_dead() then return fenced(GEN, 7, N) end
local h = u.holders[NODE]
if h == nil or h.seq ~= SEQ then return fenced(GEN, 7, N) end
if not writeback_acceptable(u, h, GEN, N) then return fenced(GEN, 7, N) end
apply_writeback(GEN, 7, N)
return {'written', N}
