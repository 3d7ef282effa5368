-- acquire(node, mode, page, try). KEYS[3] = the page's disk hash (read for the grant reply).
-- ARGV[4] mode (SH|EX), ARGV[5] page key, ARGV[6] try (1|0).
-- Reply: {'granted', mode, seq, gen, pagekey, version, data|nil} | {'busy'} | {'queued'}
local MODE = ARGV[4]
local PAGE = ARGV[5]
local TRY = ARGV[6] == '1'

if MODE ~= 'SH' and MODE ~= 'EX' then return protocol_error('acquire: bad mode ' .. tostring(MODE)) end
if not page_in_unit(PAGE) then return protocol_error('acquire: page ' .. PAGE .. ' is not in unit ' .. UNIT) end
invariant(KEYS[3] == page_key(PAGE), 'KEYS[3] is the page key')

local u = load_unit()
if node_dead() then return protocol_error('node ' .. NODE .. ' is dead') end
if u.holders[NODE] ~= nil then return protocol_error('acquire: node ' .. NODE .. ' already holds ' .. UNIT) end
if queue_index(u, NODE) ~= nil then return protocol_error('acquire: node ' .. NODE .. ' is already queued on ' .. UNIT) end

local out = {}
-- The units a node may hold or wait on, for the purge when it dies (reap.lua).
if not TRY or (#u.queue == 0 and not u.upg and compatible(u, MODE)) then redis.call('SADD', PREFIX .. 'touched:' .. NODE, UNIT) end
if #u.queue == 0 and not u.upg and compatible(u, MODE) then
  grant_fresh(u, NODE, MODE)
  commit(u, out)
  local r = redis.call('HMGET', KEYS[3], 'data', 'ver')
  return {'granted', MODE, u.seq, u.gen, PAGE, tonumber(r[2]) or 0, r[1]}
end
if TRY then return {'busy'} end
u.queue[#u.queue + 1] = {node = NODE, mode = MODE, page = PAGE}
callbacks(u, out)
graph_begin_wait(NODE, MODE)
graph_detect(NODE, 'wait', out)
commit(u, out)
return {'queued'}
