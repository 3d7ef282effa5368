-- Shared part of every manager script. lock-manager.ts prepends this file to each request
-- script (acquire.lua, ...) before registering it, so each request stays ONE atomic EVALSHA.
-- Mirrors src/protocol/manager.ts rule for rule; docs/PROTOCOL.md "The manager" is the spec,
-- docs/REDIS-KEYS.md the layout.
--
-- KEYS[1] lock hash of the unit, KEYS[2] its queue list (acquire also declares KEYS[3], the page;
-- demote and writeback KEYS[3], the run's outbox stream, for the records they carry).
-- ARGV[1] run prefix "cmm:{RUN}:" (page and inbox keys are built from it: they share the
-- run's hash tag, so they live in the same cluster slot), ARGV[2] unit, ARGV[3] node id.

local LOCK = KEYS[1]
local QUEUE = KEYS[2]
local PREFIX = ARGV[1]
local UNIT = ARGV[2]
local NODE = tonumber(ARGV[3])
local STREAM_MAXLEN = '10000'
-- The last ARGV of every call: a deliberately broken variant (`--break`), or '-' (none). Only
-- 'early-grant', 'no-conversion-refusal' and 'unfenced-writeback' change a decision (as in manager.ts).
local BREAK = ARGV[#ARGV]

-- Same formats as src/redis/keys.ts (page, inbox).
local function page_key(pk) return PREFIX .. 'page:' .. pk end
-- A broken variant's deviation taken: counted per variant (run.json `breakFired`; docs/REDIS-KEYS.md).
local function break_fired() redis.call('HINCRBY', PREFIX .. 'break-fired', BREAK, 1) end
local function inbox_key(node) return PREFIX .. 'in:' .. node end

local function invariant(cond, msg)
  if not cond then error('cmm manager invariant violated: ' .. UNIT .. ': ' .. msg) end
end

-- A page key 'a/3' belongs to file unit 'a' or to page unit 'a/3'.
local function page_in_unit(pk)
  local file = string.match(pk, '^(.*)/%d+$')
  return file ~= nil and (file == UNIT or pk == UNIT)
end

local function encode_holder(h) return h.mode .. ':' .. h.seq .. ':' .. h.cb end
local function encode_waiter(w) return w.node .. ':' .. w.mode .. ':' .. w.page end

local function read_unit()
  local u = {gen = 0, seq = 0, upg = false, holders = {}, nholders = 0, queue = {}, orig = {}, orig_queue = {}}
  local flat = redis.call('HGETALL', LOCK)
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    u.orig[f] = v
    if f == 'gen' then u.gen = tonumber(v)
    elseif f == 'seq' then u.seq = tonumber(v)
    elseif f == 'upg' then u.upg = tonumber(v)
    else
      local node = tonumber(string.match(f, '^h:(%d+)$'))
      local mode, seq, cb = string.match(v, '^(%u%u):(%d+):(%l+)$')
      invariant(node ~= nil and mode ~= nil, 'unreadable lock field ' .. f)
      u.holders[node] = {mode = mode, seq = tonumber(seq), cb = cb}
      u.nholders = u.nholders + 1
    end
  end
  local q = redis.call('LRANGE', QUEUE, 0, -1)
  for i, e in ipairs(q) do
    local node, mode, pk = string.match(e, '^(%d+):(%u%u):(.+)$')
    invariant(node ~= nil, 'unreadable queue entry ' .. e)
    u.queue[i] = {node = tonumber(node), mode = mode, page = pk}
    u.orig_queue[i] = e
  end
  return u
end

local function sorted_holder_nodes(u)
  local nodes = {}
  for node, _ in pairs(u.holders) do nodes[#nodes + 1] = node end
  table.sort(nodes)
  return nodes
end

local function queue_index(u, node)
  for i, w in ipairs(u.queue) do
    if w.node == node then return i end
  end
  return nil
end

local function compatible(u, mode)
  if mode == 'EX' then return u.nholders == 0 end
  for _, h in pairs(u.holders) do
    if h.mode ~= 'SH' then return false end
  end
  return true
end

-- Returns data (or false when never written) and version of a disk page.
local function read_page(pk)
  local r = redis.call('HMGET', page_key(pk), 'data', 'ver')
  return r[1], tonumber(r[2]) or 0
end

-- Messages are collected and XADDed after the state is saved, in decision order.
local function send(out, to, fields)
  out[#out + 1] = {to = to, fields = fields}
end

-- ---------------------------------------------------------------------------------------------
-- The wait-for graph (src/protocol/wait-graph.ts; docs/DEADLOCKS.md): one hash per run,
-- PREFIX..'wfg': `n` waits begun, `dl` deadlocks found, `w:NODE:UNIT` = MODE:N (a waiter),
-- `d:NODE:UNIT` = MODE:SEQ (a holder whose callback is deferred by a pin). Changes are buffered
-- and written by commit, like the unit's own state.
local GRAPH = PREFIX .. 'wfg'
local graph_pending = {}

local function graph_put(f, v) graph_pending[#graph_pending + 1] = {f, v} end

-- A field's value with the buffered changes applied (false = absent).
local function graph_get(f)
  local v = nil
  for _, c in ipairs(graph_pending) do
    if c[1] == f then v = c[2] end
  end
  if v == nil then v = redis.call('HGET', GRAPH, f) end
  return v
end

local function graph_begin_wait(node, mode)
  local n = (tonumber(graph_get('n')) or 0) + 1
  graph_put('n', tostring(n))
  graph_put('w:' .. node .. ':' .. UNIT, mode .. ':' .. n)
end

local function graph_end_wait(node) graph_put('w:' .. node .. ':' .. UNIT, false) end
local function graph_unpin(node) graph_put('d:' .. node .. ':' .. UNIT, false) end

-- Returns true when the mark is new (only then can it close a cycle).
local function graph_pin(node, mode, seq)
  local f, v = 'd:' .. node .. ':' .. UNIT, mode .. ':' .. seq
  if graph_get(f) == v then return false end
  graph_put(f, v)
  return true
end

local function graph_load()
  local fields = {}
  local flat = redis.call('HGETALL', GRAPH)
  for i = 1, #flat, 2 do fields[flat[i]] = flat[i + 1] end
  for _, c in ipairs(graph_pending) do fields[c[1]] = c[2] or nil end
  local waits, pins = {}, {}
  for f, v in pairs(fields) do
    local kind, node, unit = string.match(f, '^([wd]):(%d+):(.+)$')
    if kind ~= nil then
      local mode, num = string.match(v, '^(%u%u):(%d+)$')
      invariant(mode ~= nil, 'unreadable graph field ' .. f)
      local e = {node = tonumber(node), unit = unit, mode = mode, n = tonumber(num)}
      if kind == 'w' then waits[#waits + 1] = e else pins[#pins + 1] = e end
    end
  end
  return waits, pins, tonumber(fields.dl) or 0
end

local function graph_edges_from(waits, pins, node)
  local mine = {}
  for _, w in ipairs(waits) do
    if w.node == node then mine[#mine + 1] = w end
  end
  table.sort(mine, function(a, b) return a.n < b.n end)
  local edges = {}
  for _, w in ipairs(mine) do
    local hs = {}
    for _, p in ipairs(pins) do
      if p.unit == w.unit and p.node ~= node then hs[#hs + 1] = p end
    end
    table.sort(hs, function(a, b) return a.node < b.node end)
    for _, h in ipairs(hs) do
      edges[#edges + 1] = {node = node, unit = w.unit, wants = w.mode, held_by = h.node, held = h.mode, n = w.n}
    end
  end
  return edges
end

local function graph_extend(path, e)
  local p = {}
  for i, x in ipairs(path) do p[i] = x end
  p[#p + 1] = e
  return p
end

-- After new edges at `start` (change 'wait': its wait for UNIT began; 'pin': its pin on UNIT was
-- recorded): a cycle through them is a new deadlock; tell every node of the cycle. A cycle
-- through `start` that does not use the new edges was reported when it formed.
local function graph_detect(start, change, out)
  local waits, pins, dl = graph_load()
  local visited = {[start] = true}
  local function walk(node, path)
    for _, e in ipairs(graph_edges_from(waits, pins, node)) do
      local skip = change == 'wait' and #path == 0 and e.unit ~= UNIT
      if not skip and e.held_by == start and (change == 'wait' or e.unit == UNIT) then return graph_extend(path, e) end
      if not skip and e.held_by ~= start and not visited[e.held_by] then
        visited[e.held_by] = true
        local found = walk(e.held_by, graph_extend(path, e))
        if found then return found end
      end
    end
    return nil
  end
  local found = walk(start, {})
  if found == nil then return end
  local first, youngest = 1, 1
  for i, e in ipairs(found) do
    if e.node < found[first].node then first = i end
    if e.n > found[youngest].n then youngest = i end
  end
  local parts, order = {}, {}
  for k = 0, #found - 1 do
    local e = found[((first - 1 + k) % #found) + 1]
    order[#order + 1] = e
    parts[#parts + 1] = e.node .. ' ' .. e.unit .. ' ' .. e.wants .. ' ' .. e.held_by .. ' ' .. e.held
  end
  dl = dl + 1
  graph_put('dl', tostring(dl))
  local cycle = table.concat(parts, ',')
  for _, e in ipairs(order) do
    send(out, e.node, {'type', 'deadlock', 'unit', e.unit, 'id', dl, 'victim', found[youngest].node, 'cycle', cycle})
  end
end

local function graph_save()
  local set, del = {}, {}
  local last = {}
  for _, c in ipairs(graph_pending) do last[c[1]] = c end
  for f, c in pairs(last) do
    if c[2] then
      set[#set + 1] = f
      set[#set + 1] = c[2]
    else
      del[#del + 1] = f
    end
  end
  if #set > 0 then redis.call('HSET', GRAPH, unpack(set)) end
  if #del > 0 then redis.call('HDEL', GRAPH, unpack(del)) end
end

local function grant_fresh(u, node, mode)
  u.seq = u.seq + 1
  if mode == 'EX' then u.gen = u.gen + 1 end
  u.holders[node] = {mode = mode, seq = u.seq, cb = 'none'}
  u.nholders = u.nholders + 1
end

local function remove_holder(u, node)
  u.holders[node] = nil
  u.nholders = u.nholders - 1
end

local function grant_waiters(u, out)
  if u.upg then
    local h = u.holders[u.upg]
    invariant(h ~= nil and h.mode == 'SH', 'upgrader holds SH')
    if u.nholders ~= 1 then return end
    h.mode = 'EX'
    u.gen = u.gen + 1
    send(out, u.upg, {'type', 'grant', 'unit', UNIT, 'mode', 'EX', 'seq', h.seq, 'gen', u.gen, 'upgrade', '1'})
    graph_end_wait(u.upg)
    u.upg = false
  end
  while #u.queue > 0 and compatible(u, u.queue[1].mode) do
    local w = table.remove(u.queue, 1)
    graph_end_wait(w.node)
    grant_fresh(u, w.node, w.mode)
    local data, ver = read_page(w.page)
    local fields = {'type', 'grant', 'unit', UNIT, 'mode', w.mode, 'seq', u.seq, 'gen', u.gen, 'upgrade', '0', 'page', w.page, 'ver', ver}
    if data then
      fields[#fields + 1] = 'data'
      fields[#fields + 1] = data
    end
    send(out, w.node, fields)
  end
end

local function needed_callback(u, node)
  local h = u.holders[node]
  if h == nil then return nil end
  if u.upg then
    if node == u.upg then return nil end
    return 'release'
  end
  local head = u.queue[1]
  if head == nil then return nil end
  if head.mode == 'EX' then return 'release' end
  if h.mode == 'EX' then return 'downgrade' end
  return nil
end

local function callbacks(u, out)
  local released = {}
  for _, node in ipairs(sorted_holder_nodes(u)) do
    local need = needed_callback(u, node)
    local h = u.holders[node]
    if need ~= nil and (h.cb == 'none' or (h.cb == 'downgrade' and need == 'release')) then
      h.cb = need
      send(out, node, {'type', 'callback', 'unit', UNIT, 'kind', need, 'seq', h.seq})
      if need == 'release' and BREAK == 'early-grant' then
        released[#released + 1] = node
        break_fired()
      end
    end
  end
  if #released == 0 then return end
  -- early-grant (broken): a holder asked to release counts as gone at once, before it acked.
  for _, node in ipairs(released) do
    remove_holder(u, node)
    if u.upg == node then u.upg = false end
  end
  grant_waiters(u, out)
  callbacks(u, out)
end

-- Fencing: only the current EX hold may write; an empty write-back has nothing to fence.
local function writeback_acceptable(u, h, gen, n)
  if n == 0 then return true end
  return h.mode == 'EX' and gen == u.gen
end

-- Write-back pages come as ARGV pairs (page key, bytes) from ARGV[first]; returns the first page
-- key outside the unit (a protocol error), or nil.
local function first_foreign_page(first, n)
  for i = 0, n - 1 do
    if not page_in_unit(ARGV[first + 2 * i]) then return ARGV[first + 2 * i] end
  end
  return nil
end

local function apply_writeback(gen, first, n)
  for i = 0, n - 1 do
    local key = page_key(ARGV[first + 2 * i])
    redis.call('HINCRBY', key, 'ver', 1)
    redis.call('HSET', key, 'data', ARGV[first + 2 * i + 1], 'gen', gen)
  end
end

-- The reply to a write-back that fencing refuses. unfenced-writeback (broken): its pages reach
-- the disk anyway (as manager.ts unfencedBreak).
local function fenced(gen, first, n)
  if BREAK == 'unfenced-writeback' and n > 0 then
    apply_writeback(gen, first, n)
    break_fired()
  end
  return {'stale', n}
end

local function check_invariants(u)
  local ex, count = 0, 0
  local seqs = {}
  for node, h in pairs(u.holders) do
    count = count + 1
    if h.mode == 'EX' then ex = ex + 1 end
    invariant(h.seq >= 1 and h.seq <= u.seq and not seqs[h.seq], 'holder seqs are distinct and issued')
    seqs[h.seq] = true
    invariant(not (h.mode == 'SH' and h.cb == 'downgrade'), 'only EX holders are asked to downgrade')
    local need = needed_callback(u, node)
    if need == 'release' then invariant(h.cb == 'release', 'node ' .. node .. ' was asked to release') end
    if need == 'downgrade' then invariant(h.cb ~= 'none', 'node ' .. node .. ' was asked to downgrade') end
  end
  invariant(count == u.nholders, 'holder count')
  invariant(ex <= 1, 'at most one EX holder')
  invariant(ex == 0 or count == 1, 'EX excludes other holders')
  local seen = {}
  for _, w in ipairs(u.queue) do
    invariant(not seen[w.node], 'queue has no duplicates')
    invariant(u.holders[w.node] == nil, 'queued node holds nothing')
    seen[w.node] = true
  end
  if u.upg then
    invariant(u.holders[u.upg] ~= nil and u.holders[u.upg].mode == 'SH', 'upgrader is an SH holder')
    invariant(count > 1, 'a lone upgrader would have been granted')
  elseif #u.queue > 0 then
    invariant(not compatible(u, u.queue[1].mode), 'a compatible queue head would have been granted')
  end
end

-- Writes only what changed, so a no-op decision writes nothing.
local function save_queue(u)
  local new = {}
  for i, w in ipairs(u.queue) do new[i] = encode_waiter(w) end
  local old = u.orig_queue
  local same = #new == #old
  for i = 1, #new do
    if new[i] ~= old[i] then same = false end
  end
  if same then return end
  -- The common shapes: one appended (acquire) or some popped from the head (grants).
  local appended = #new == #old + 1
  for i = 1, #old do
    if new[i] ~= old[i] then appended = false end
  end
  if appended then
    redis.call('RPUSH', QUEUE, new[#new])
    return
  end
  local popped = #old - #new
  local is_pop = popped > 0
  for i = 1, #new do
    if new[i] ~= old[i + popped] then is_pop = false end
  end
  if is_pop then
    redis.call('LPOP', QUEUE, popped)
    return
  end
  redis.call('DEL', QUEUE)
  if #new > 0 then redis.call('RPUSH', QUEUE, unpack(new)) end
end

local function save_unit(u)
  local want = {gen = tostring(u.gen), seq = tostring(u.seq)}
  if u.upg then want.upg = tostring(u.upg) end
  for node, h in pairs(u.holders) do want['h:' .. node] = encode_holder(h) end
  local set, del = {}, {}
  for f, v in pairs(want) do
    if u.orig[f] ~= v then
      set[#set + 1] = f
      set[#set + 1] = v
    end
  end
  for f, _ in pairs(u.orig) do
    if want[f] == nil then del[#del + 1] = f end
  end
  if #set > 0 then redis.call('HSET', LOCK, unpack(set)) end
  if #del > 0 then redis.call('HDEL', LOCK, unpack(del)) end
  save_queue(u)
end

local function emit(out)
  for _, msg in ipairs(out) do
    redis.call('XADD', inbox_key(msg.to), 'MAXLEN', '~', STREAM_MAXLEN, '*', unpack(msg.fields))
  end
end

-- Every state-changing script ends here: check, persist, then deliver.
local function commit(u, out)
  check_invariants(u)
  save_unit(u)
  graph_save()
  emit(out)
end

-- Stored state is checked on the way in too: a corrupted unit fails loudly, not silently.
local function load_unit()
  local u = read_unit()
  check_invariants(u)
  return u
end

-- A node declared dead (lease expired, src/redis/lua/reap.lua) is fenced for good.
local function node_dead()
  return redis.call('SISMEMBER', PREFIX .. 'dead', NODE) == 1
end

local function protocol_error(msg)
  return redis.error_reply('CMMPROTO ' .. msg)
end

-- The node's records (history, trace, lock log) that ride with a demote or write-back, from
-- ARGV[first]: the number of outbox entries m, then per entry its field count and fields.
-- Returns the first malformed argument (a protocol error), or nil.
local function bad_records(first)
  local m = tonumber(ARGV[first])
  if m == nil then return ARGV[first] or 'nil' end
  local i = first + 1
  for _ = 1, m do
    local n = tonumber(ARGV[i])
    if n == nil or n <= 0 or n % 2 ~= 0 or i + n >= #ARGV then return ARGV[i] or 'nil' end
    i = i + n + 1
  end
  if i ~= #ARGV then return 'extra argument ' .. ARGV[i] end
  return nil
end

-- Adds the records (checked by bad_records) to the outbox KEYS[3]. Called after every check and
-- before the decision's first write: they reach Redis atomically with what they describe,
-- whatever the decision (a node killed right after still leaves them).
local function post_records(first)
  local i = first + 1
  for _ = 1, tonumber(ARGV[first]) do
    local n = tonumber(ARGV[i])
    redis.call('XADD', KEYS[3], '*', unpack(ARGV, i + 1, i + n))
    i = i + n + 1
  end
end

-- Integer arguments (request scripts list theirs) must be integers, as the model requires.
local function first_non_integer(...)
  for _, i in ipairs({...}) do
    if not string.match(ARGV[i] or '', '^%-?%d+$') then return ARGV[i] or 'nil' end
  end
  return nil
end

if not string.match(ARGV[3] or '', '^%d+$') then return protocol_error('node id must be a non-negative integer: ' .. tostring(ARGV[3])) end
