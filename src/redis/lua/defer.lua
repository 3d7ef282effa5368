-- defer(node, seq): the node cannot answer its callback on hold `seq` now, a pin holds the lock.
-- Records the edge in the wait-for graph and looks for a cycle through it. ARGV[4] seq.
-- Reply: {'noted'} | {'stale', 0} (no such hold, or no callback pending on it: nothing recorded)
local bad_int = first_non_integer(4)
if bad_int then return protocol_error('defer: not an integer: ' .. bad_int) end
local SEQ = tonumber(ARGV[4])

local u = load_unit()
-- A dead node's holds are purged: it defers nothing (model: deadNodeReply).
if node_dead() then return {'stale', 0} end
local h = u.holders[NODE]
-- No such hold, or no callback pending on it (nothing to defer): record nothing.
if h == nil or h.seq ~= SEQ or h.cb == 'none' then return {'stale', 0} end
local out = {}
if graph_pin(NODE, h.mode, h.seq) then graph_detect(NODE, 'pin', out) end
commit(u, out)
return {'noted'}
