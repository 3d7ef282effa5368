-- upgrade(node, seq). ARGV[4] seq.
-- Reply: {'granted', 'EX', seq, gen} | {'queued'} | {'refused', reason}
local bad_int = first_non_integer(4)
if bad_int then return protocol_error('upgrade: not an integer: ' .. bad_int) end
local SEQ = tonumber(ARGV[4])

local u = load_unit()
if node_dead() then return protocol_error('node ' .. NODE .. ' is dead') end
local h = u.holders[NODE]
if h == nil or h.mode ~= 'SH' or h.seq ~= SEQ then
  return protocol_error('upgrade: node ' .. NODE .. ' does not hold ' .. UNIT .. ' SH with seq ' .. tostring(ARGV[4]))
end
if u.upg == NODE then return protocol_error('upgrade: node ' .. NODE .. ' is already upgrading ' .. UNIT) end
if u.upg then
  -- no-conversion-refusal (broken): says queued and forgets the request: both upgraders wait forever.
  if BREAK == 'no-conversion-refusal' then
    break_fired()
    return {'queued'}
  end
  return {'refused', 'conversion-deadlock'}
end
if h.cb == 'release' then return {'refused', 'callback-pending'} end

local out = {}
if u.nholders == 1 then
  h.mode = 'EX'
  u.gen = u.gen + 1
  callbacks(u, out)
  commit(u, out)
  return {'granted', 'EX', h.seq, u.gen}
end
u.upg = NODE
callbacks(u, out)
graph_begin_wait(NODE, 'EX')
graph_detect(NODE, 'wait', out)
commit(u, out)
return {'queued'}
