// The Lua scripts that make a shared store's reads and writes atomic on the Redis server. A session's state is one
// hash of JSON values (an order, a card, an idempotency record, the session's meta); every commit bumps the session's
// version and appends the names it changed to a short log, so a process that cached version N fetches only what
// changed since (a "delta"), or the whole hash when the log no longer reaches back (a "full" read).
//
// Key layout under the prefix P (one Redis server; the scripts build keys from the prefix, so Cluster is not served):
//   P s:<session>         hash   field → JSON           P s:<session>:ver   counter
//   P s:<session>:log     list   {v,set,del,reset}      P s:<session>:lock  the session's lock (token, PX)
//   P budget:<o|c|k>      zset   "<session>\x1f<field>" by admission order: --max-orders over the whole account
//   P budget:<k>:size     hash   member → bytes          P budget:<k>:bytes  the budget's bytes in all
//   P seq                 counter for budget order      P due               zset session → earliest scheduled change
//   P sessions            zset session → last use       P clock             hash offset/frozen of the virtual clock

/** How many commits a session's log keeps: a process further behind than this reads the whole session again. */
export const LOG_LENGTH = 256;
/** A session nobody used for this long expires from Redis with everything in it (seconds: 7 days). */
export const IDLE_SESSION_TTL_S = 7 * 24 * 60 * 60;
/** The version and log of a dropped session outlive it a day, so a process that cached it reads the drop. */
const DROPPED_TTL_S = 24 * 60 * 60;

/** What a sync answers: [acquired (1|0), version, 'same'|'delta'|'full', [offset, frozen], ...]. */
const READ_SESSION = `
local function readSession(p, name, cached)
  local base = p .. 's:' .. name
  local ver = tonumber(redis.call('GET', base .. ':ver') or '0')
  local clock = redis.call('HMGET', p .. 'clock', 'offset', 'frozen')
  if ver == cached then return {1, ver, 'same', clock} end
  if cached >= 0 and cached < ver and ver - cached <= ${LOG_LENGTH} then
    -- Only the newest (ver - cached) entries can be newer than the cached version: the log is in version order.
    local log = redis.call('LRANGE', base .. ':log', cached - ver, -1)
    local first = nil
    local full = false
    local set = {}
    local del = {}
    for _, raw in ipairs(log) do
      local e = cjson.decode(raw)
      if e.v > cached then
        if first == nil then first = e.v end
        if e.reset then full = true end
        if type(e.set) == 'table' then for _, f in ipairs(e.set) do set[f] = true; del[f] = nil end end
        if type(e.del) == 'table' then for _, f in ipairs(e.del) do del[f] = true; set[f] = nil end end
      end
    end
    if not full and first == cached + 1 then
      local fields = {}
      for f in pairs(set) do fields[#fields + 1] = f end
      if #fields <= 2000 then
        local out = {}
        if #fields > 0 then
          local values = redis.call('HMGET', base, unpack(fields))
          for i, f in ipairs(fields) do
            out[#out + 1] = f
            out[#out + 1] = values[i] or ''
          end
        end
        local dels = {}
        for f in pairs(del) do dels[#dels + 1] = f end
        return {1, ver, 'delta', clock, out, dels}
      end
    end
  end
  return {1, ver, 'full', clock, redis.call('HGETALL', base)}
end
`;

/** ARGV: prefix, session, cached version (-1: nothing cached). A read without the lock. */
export const SYNC = `${READ_SESSION}
return readSession(ARGV[1], ARGV[2], tonumber(ARGV[3]))
`;

/** ARGV: prefix, session, cached version, lock token, lock ttl ms. {0} when another holder has the lock. */
export const ACQUIRE = `${READ_SESSION}
local lock = ARGV[1] .. 's:' .. ARGV[2] .. ':lock'
if not redis.call('SET', lock, ARGV[4], 'NX', 'PX', ARGV[5]) then return {0} end
return readSession(ARGV[1], ARGV[2], tonumber(ARGV[3]))
`;

/** ARGV: prefix, session, lock token. Let go of the lock if it is still ours. */
export const RELEASE = `
local lock = ARGV[1] .. 's:' .. ARGV[2] .. ':lock'
if redis.call('GET', lock) == ARGV[3] then redis.call('DEL', lock) end
return 1
`;

/**
 * ARGV: prefix, session, lock token, limits JSON {o|c|k: {n: count, b?: bytes}}, max sessions, due ('' none | ms), due exact (1|0),
 * changes JSON {set: [field, value, ...], del: [field...], sizes: {field: bytes}, reset: bool}.
 * Answers {0} when the lock is no longer ours (nothing written), else {1, version before, version after, evicted
 * fields of this session, webhook receivers' version}. Everything below runs as one unit: nothing is half-written.
 */
export const COMMIT = `
local p, name, token = ARGV[1], ARGV[2], ARGV[3]
local base = p .. 's:' .. name
if redis.call('GET', base .. ':lock') ~= token then return {0} end
local limits = cjson.decode(ARGV[4])
local maxSessions = tonumber(ARGV[5])
local body = cjson.decode(ARGV[8])
local SEP = string.char(31)

local function budgeted(f)
  local k = string.sub(f, 1, 1)
  if k == 'o' or k == 'c' or k == 'k' then return k end
  return nil
end

-- Each budget counts entries (its zset) and bytes (the heap size a process estimates for the entry, else its JSON
-- length), kept per entry so a session that expired from Redis still gives its bytes back when its entries leave.
local function admit(k, member, bytes)
  local z = p .. 'budget:' .. k
  if not redis.call('ZSCORE', z, member) then redis.call('ZADD', z, redis.call('INCR', p .. 'seq'), member) end
  local old = tonumber(redis.call('HGET', z .. ':size', member) or '0')
  redis.call('HSET', z .. ':size', member, bytes)
  redis.call('INCRBY', z .. ':bytes', bytes - old)
end

local function leave(k, member)
  local z = p .. 'budget:' .. k
  redis.call('ZREM', z, member)
  local old = tonumber(redis.call('HGET', z .. ':size', member) or '0')
  redis.call('HDEL', z .. ':size', member)
  if old ~= 0 then redis.call('INCRBY', z .. ':bytes', -old) end
end

local function log(session, entry)
  local b = p .. 's:' .. session
  local v = redis.call('INCR', b .. ':ver')
  entry.v = v
  redis.call('RPUSH', b .. ':log', cjson.encode(entry))
  redis.call('LTRIM', b .. ':log', -${LOG_LENGTH}, -1)
  return v
end

-- Forget a whole session: its entities, their places in the budgets, its due entry.
local function drop(session)
  local b = p .. 's:' .. session
  for _, f in ipairs(redis.call('HKEYS', b)) do
    local k = budgeted(f)
    if k then leave(k, session .. SEP .. f) end
  end
  redis.call('DEL', b)
  redis.call('ZREM', p .. 'due', session)
  redis.call('EXPIRE', b .. ':ver', ${DROPPED_TTL_S})
  redis.call('EXPIRE', b .. ':log', ${DROPPED_TTL_S})
end

local before = tonumber(redis.call('GET', base .. ':ver') or '0')
if body.reset then drop(name) end
local names = {}
local set = body.set
if type(set) == 'table' and #set > 0 then
  redis.call('HSET', base, unpack(set))
  for i = 1, #set, 2 do
    local f = set[i]
    names[#names + 1] = f
    local k = budgeted(f)
    if k and limits[k] then
      local size = #set[i + 1]
      if type(body.sizes) == 'table' and tonumber(body.sizes[f]) then size = tonumber(body.sizes[f]) end
      admit(k, name .. SEP .. f, size)
    end
  end
end
local dels = {}
if type(body.del) == 'table' then
  for _, f in ipairs(body.del) do
    dels[#dels + 1] = f
    redis.call('HDEL', base, f)
    local k = budgeted(f)
    if k then leave(k, name .. SEP .. f) end
  end
end
local after = log(name, {set = names, del = dels, reset = body.reset and true or false})
for _, k in ipairs({base, base .. ':ver', base .. ':log'}) do redis.call('EXPIRE', k, ${IDLE_SESSION_TTL_S}) end

if ARGV[6] == '' then
  if ARGV[7] == '1' then redis.call('ZREM', p .. 'due', name) end
elseif ARGV[7] == '1' then
  redis.call('ZADD', p .. 'due', tonumber(ARGV[6]), name)
else
  redis.call('ZADD', p .. 'due', 'LT', tonumber(ARGV[6]), name)
end

-- The budgets hold for the whole account: beyond one, the oldest entries go, wherever they live.
local evicted = {}
for k, limit in pairs(limits) do
  local z = p .. 'budget:' .. k
  local function over()
    if redis.call('ZCARD', z) > limit.n then return true end
    return limit.b ~= nil and tonumber(redis.call('GET', z .. ':bytes') or '0') > limit.b
  end
  local guard = 0
  while over() and guard < 100000 do
    guard = guard + 1
    local popped = redis.call('ZRANGE', z, 0, 0)
    local member = popped[1]
    if not member then break end
    leave(k, member)
    local at = string.find(member, SEP, 1, true)
    local session = string.sub(member, 1, at - 1)
    local f = string.sub(member, at + 1)
    redis.call('HDEL', p .. 's:' .. session, f)
    local v = log(session, {set = {}, del = {f}})
    if session == name then
      evicted[#evicted + 1] = f
      after = v
    end
  end
end

-- At most maxSessions sessions: the least recently used goes, as in one process.
redis.call('ZADD', p .. 'sessions', redis.call('INCR', p .. 'seq'), name)
local extra = redis.call('ZCARD', p .. 'sessions') - maxSessions
if extra > 0 then
  for _, old in ipairs(redis.call('ZRANGE', p .. 'sessions', 0, extra - 1)) do
    if old ~= name then
      drop(old)
      log(old, {set = {}, del = {}, reset = true})
      redis.call('ZREM', p .. 'sessions', old)
    end
  end
end

redis.call('DEL', base .. ':lock')
-- The version of the webhook receivers: the committing process delivers this commit's events, so it must know them.
return {1, before, after, evicted, redis.call('GET', p .. 'receivers:ver') or '0'}
`;

/**
 * ARGV: prefix, session, lock token. Forget a session (reset): its hash, budget entries and due entry, with a reset
 * entry in its log so every process drops what it cached. Answers {0} when the lock is not ours.
 */
export const RESET = `
local p, name = ARGV[1], ARGV[2]
local base = p .. 's:' .. name
if redis.call('GET', base .. ':lock') ~= ARGV[3] then return {0} end
local SEP = string.char(31)
for _, f in ipairs(redis.call('HKEYS', base)) do
  local k = string.sub(f, 1, 1)
  if k == 'o' or k == 'c' or k == 'k' then
    local z = p .. 'budget:' .. k
    local member = name .. SEP .. f
    redis.call('ZREM', z, member)
    local old = tonumber(redis.call('HGET', z .. ':size', member) or '0')
    redis.call('HDEL', z .. ':size', member)
    if old ~= 0 then redis.call('INCRBY', z .. ':bytes', -old) end
  end
end
redis.call('DEL', base)
redis.call('ZREM', p .. 'due', name)
redis.call('ZREM', p .. 'sessions', name)
local v = redis.call('INCR', base .. ':ver')
redis.call('RPUSH', base .. ':log', cjson.encode({v = v, set = {}, del = {}, reset = true}))
redis.call('LTRIM', base .. ':log', -${LOG_LENGTH}, -1)
redis.call('EXPIRE', base .. ':ver', ${DROPPED_TTL_S})
redis.call('EXPIRE', base .. ':log', ${DROPPED_TTL_S})
redis.call('DEL', base .. ':lock')
return {1, v}
`;
