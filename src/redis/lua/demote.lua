-- demote(node, seq, to, generation, writeback). ARGV[4] seq, ARGV[5] to (UN|SH), ARGV[6] generation,
-- ARGV[7] number of pages n, then n pairs (page key, bytes) from ARGV[8].
-- Reply: {'demoted', accepted} | {'stale', rejected}
local bad_int = first_non_integer(4, 6)
if bad_int then return protocol_error('demote: not an integer: ' .. bad_int) end
local SEQ = tonumber(ARGV[4])
local TO = ARGV[5]
local GEN = tonumber(ARGV[6])
local N = tonumber(ARGV[7])

if TO ~= 'UN' and TO ~= 'SH' then return protocol_error('demote: bad target mode ' .. tostring(TO)) end
local bad = first_foreign_page(8, N)
if bad then return protocol_error('write-back of page ' .. bad .. ' which is not in unit ' .. UNIT) end

local u = load_unit()
if node_dead() then return fenced(GEN, 8, N) end
local h = u.holders[NODE]
if h == nil or h.seq ~= SEQ then return fenced(GEN, 8, N) end
if TO == 'SH' and h.mode == 'SH' then return protocol_error('demote: node ' .. NODE .. ' holds ' .. UNIT .. ' SH already') end
if not writeback_acceptable(u, h, GEN, N) then return fenced(GEN, 8, N) end

apply_writeback(GEN, 8, N)
-- A pin record exists only while a callback is pending (a defer needs one): skip the write otherwise.
if h.cb ~= 'none' then graph_unpin(NODE) end
if TO == 'UN' then
  remove_holder(u, NODE)
  if u.upg == NODE then
    u.upg = false
    graph_end_wait(NODE)
  end
else
  h.mode = 'SH'
  if h.cb ~= 'release' then h.cb = 'none' end
end
local out = {}
grant_waiters(u, out)
callbacks(u, out)
commit(u, out)
return {'demoted', N}
