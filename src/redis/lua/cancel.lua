-- cancel(node): withdraw a queued acquire or a pending upgrade.
-- Reply: {'cancelled'} | {'not-waiting'}
local u = load_unit()
if node_dead() then return {'not-waiting'} end
local i = queue_index(u, NODE)
if i ~= nil then
  table.remove(u.queue, i)
elseif u.upg == NODE then
  u.upg = false
else
  return {'not-waiting'}
end
graph_end_wait(NODE)
local out = {}
grant_waiters(u, out)
callbacks(u, out)
commit(u, out)
return {'cancelled'}
