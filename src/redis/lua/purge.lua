-- purge(node): remove a node declared dead (reap.lua) from one unit. Its EX hold bumps the
-- generation, so any write-back it made under that hold is refused (fencing); then waiters are
-- granted and callbacks sent, as after a release. Mirrors `purge` in src/protocol/manager.ts.
-- Reply: {'purged', held mode or '', waiting 1|0}
if not node_dead() then return protocol_error('purge: node ' .. NODE .. ' was not declared dead') end
local u = load_unit()
local h = u.holders[NODE]
local i = queue_index(u, NODE)
local waiting = i ~= nil or u.upg == NODE
if i ~= nil then table.remove(u.queue, i) end
if u.upg == NODE then u.upg = false end
-- Out of the wait-for graph too: a dead node waits for nothing and pins nothing.
if waiting then graph_end_wait(NODE) end
if h ~= nil then
  if h.cb ~= 'none' then graph_unpin(NODE) end
  remove_holder(u, NODE)
  if h.mode == 'EX' then u.gen = u.gen + 1 end
end
if h ~= nil or waiting then
  local out = {}
  grant_waiters(u, out)
  callbacks(u, out)
  commit(u, out)
end
local held = ''
if h ~= nil then held = h.mode end
local w = 0
if waiting then w = 1 end
return {'purged', held, w}
