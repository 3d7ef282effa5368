-- demote(node, seq, to, generation, writeback, records). ARGV[4] seq, ARGV[5] to (UN|SH), ARGV[6]
-- generation, ARGV[7] number of pages n, then n pairs (page key, bytes) from ARGV[8], then the
-- node's records for the outbox KEYS[3] (common.lua post_records).
-- Reply: {'demoted', accepted} | {'stale', rejected}
local bad_int = first_non_integer(4, 6, 7)
if bad_int then return protocol_error('demote: not an integer: ' .. bad_int) end
local SEQ = tonumber(ARGV[4])
local TO = ARGV[5]
local GEN = tonumber(ARGV[6])
local N = tonumber(ARGV[7])
local RECORDS = 8 + 2 * N

if TO ~= 'UN' and TO ~= 'SH' then return protocol_error('demote: bad target mode ' .. tostring(TO)) end
local bad = first_foreign_page(8, N)
if bad then return protocol_error('write-back of page ' .. bad .. ' which is not in unit ' .. UNIT) end
local bad_record = bad_records(RECORDS)
if bad_record then return protocol_error('demote: bad record argument ' .. bad_record) end

local u = load_unit()
local h = u.holders[NODE]
local current = not node_dead() and h ~= nil and h.seq == SEQ
if current and TO == 'SH' and h.mode == 'SH' then return protocol_error('demote: node ' .. NODE .. ' holds ' .. UNIT .. ' SH already') end
post_records(RECORDS)
if not current or not writeback_acceptable(u, h, GEN, N) then return fenced(GEN, 8, N) end

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
