// The Lua scripts that make a shared store's reads and writes atomic on the Redis server. A session's state is one
// hash of JSON values (an order, a card, an idempotency record, the session's meta); every commit bumps the session's
// version and appends the names it changed to a short log, so a process that cached version N fetches only what
// changed since (a "delta"), or the whole hash when the log no longer reaches back (a "full" read).
//
// Key layout under the prefix P (one Redis server; the scripts build keys from the prefix, so Cluster is not served):
//   P s:<session>         hash   field → JSON           P s:<session>/ver   counter
//   P s:<session>/log     list   {v,set,del,reset}      P s:<session>/lock  the session's lock (token, PX)
//   P budget:<o|c|k|p>    zset   "<session>\x1f<field>" by admission order: --max-orders over the whole account
//   P budget:<k>:size     hash   member → bytes          P budget:<k>:bytes  the budget's bytes in all
//   P seq                 counter for budget order      P due               zset session → earliest scheduled change
//   P sessions            zset session → last use       P clock             hash offset/frozen of the virtual clock
//   P epoch               random id of this store's life P s:<session>/done  the last commits' tokens, a minute
//   P format              the storage form (STORAGE_FORMAT)

/**
 * The form in which this version keeps orders, cards and idempotency keys in Redis (their JSON). Processes sharing a
 * store must agree on it: a version reading another's form would misread what the others wrote. Raised whenever the
 * JSON of a kept entity changes. Form 1 is what versions from before the mark wrote: sessions under a prefix without
 * the mark.
 */
export const STORAGE_FORMAT = '2';

/** How many commits a session's log keeps: a process further behind than this reads the whole session again. */
export const LOG_LENGTH = 256;
/** A session nobody used for this long expires from Redis with everything in it (seconds: 7 days). */
export const IDLE_SESSION_TTL_S = 7 * 24 * 60 * 60;
/** The version and log of a dropped session outlive it a day, so a process that cached it reads the drop. */
const DROPPED_TTL_S = 24 * 60 * 60;

/** Commands and helpers every script shares (Lua, prepended to each script). */
const COMMON = `
local SEP = string.char(31)

-- The store's epoch: a random id made by whichever script runs first on an empty Redis. When it changes (FLUSHALL,
-- a restart without data), every process drops everything it cached. A new epoch marks the store with this version's
-- storage form in the same step, before any session is written under it.
local function epochOf(p, candidate)
  local epoch = redis.call('GET', p .. 'epoch')
  if not epoch then
    redis.call('SET', p .. 'epoch', candidate)
    redis.call('SET', p .. 'format', '${STORAGE_FORMAT}', 'NX')
    epoch = candidate
  end
  return epoch
end

local function budgeted(f)
  local k = string.sub(f, 1, 1)
  if k == 'o' or k == 'c' or k == 'k' then return k end
  if f == 'p' then return 'p' end
  return nil
end

-- Each budget counts entries (its zset) and bytes (the heap size a process estimates for the entry, else its value's
-- length), kept per entry so a session that expired from Redis still gives its bytes back when its entries leave.
-- A session's partner data is one entry that grows with every record added: it becomes the newest each time it is
-- written, so the partner data written least recently goes first, never the data a commit is adding to.
local function admit(p, k, member, bytes)
  local z = p .. 'budget:' .. k
  if k == 'p' or not redis.call('ZSCORE', z, member) then
    redis.call('ZADD', z, redis.call('INCR', p .. 'seq'), member)
  end
  local old = tonumber(redis.call('HGET', z .. ':size', member) or '0')
  redis.call('HSET', z .. ':size', member, bytes)
  redis.call('INCRBY', z .. ':bytes', bytes - old)
end

local function leave(p, k, member)
  local z = p .. 'budget:' .. k
  redis.call('ZREM', z, member)
  local old = tonumber(redis.call('HGET', z .. ':size', member) or '0')
  redis.call('HDEL', z .. ':size', member)
  if old ~= 0 then redis.call('INCRBY', z .. ':bytes', -old) end
end

-- One commit's entry in a session's log. A session's versions come from the store-wide sequence when its version key
-- is new (first use, or after it expired), so a process that cached an older life of the session never mistakes the
-- new one's versions for a continuation of what it saw.
local function log(p, session, entry)
  local b = p .. 's:' .. session
  if redis.call('EXISTS', b .. '/ver') == 0 then redis.call('SET', b .. '/ver', redis.call('INCR', p .. 'seq')) end
  local v = redis.call('INCR', b .. '/ver')
  entry.v = v
  redis.call('RPUSH', b .. '/log', cjson.encode(entry))
  redis.call('LTRIM', b .. '/log', -${LOG_LENGTH}, -1)
  for _, key in ipairs({b .. '/ver', b .. '/log'}) do
    if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ${DROPPED_TTL_S}) end
  end
  return v
end

-- Forget a whole session: its entities, their places in the budgets, its due entry.
local function drop(p, session)
  local b = p .. 's:' .. session
  for _, f in ipairs(redis.call('HKEYS', b)) do
    local k = budgeted(f)
    if k then leave(p, k, session .. SEP .. f) end
  end
  redis.call('DEL', b)
  redis.call('ZREM', p .. 'due', session)
  redis.call('ZREM', p .. 'sessions', session)
end

-- HSET/HDEL in slices: Lua's unpack() holds at most ~8,000 values.
local function hsetAll(key, pairs)
  for i = 1, #pairs, 500 do
    local slice = {}
    for j = i, math.min(i + 499, #pairs) do slice[#slice + 1] = pairs[j] end
    redis.call('HSET', key, unpack(slice))
  end
end
`;

/**
 * What a read answers: [1, version, 'same'|'delta'|'full', [clock offset, frozen], epoch, ...]: for a delta, the
 * changed fields and their values, then the deleted fields; for a full read, the whole hash.
 */
const READ_SESSION = `
local function readSession(p, name, cached, epoch)
  local base = p .. 's:' .. name
  local ver = tonumber(redis.call('GET', base .. '/ver') or '0')
  local clock = redis.call('HMGET', p .. 'clock', 'offset', 'frozen')
  if ver == cached then return {1, ver, 'same', clock, epoch} end
  if cached >= 0 and cached < ver and ver - cached <= ${LOG_LENGTH} then
    -- Only the newest (ver - cached) entries can be newer than the cached version: the log is in version order.
    local log = redis.call('LRANGE', base .. '/log', cached - ver, -1)
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
        return {1, ver, 'delta', clock, epoch, out, dels}
      end
    end
  end
  return {1, ver, 'full', clock, epoch, redis.call('HGETALL', base)}
end
`;

/** ARGV: prefix, session, cached version (-1: nothing cached), epoch candidate. A read without the lock. */
export const SYNC = `${COMMON}${READ_SESSION}
local epoch = epochOf(ARGV[1], ARGV[4])
-- A request has arrived for the session: it is the most recently used, as in one process.
redis.call('ZADD', ARGV[1] .. 'sessions', 'XX', redis.call('INCR', ARGV[1] .. 'seq'), ARGV[2])
return readSession(ARGV[1], ARGV[2], tonumber(ARGV[3]), epoch)
`;

/**
 * ARGV: prefix, session, cached version, epoch candidate, lock token, lock ttl ms. {0} when another holder has the
 * lock; otherwise the lock is taken and the session read as SYNC reads it (and marked as just used).
 */
export const ACQUIRE = `${COMMON}${READ_SESSION}
local p, name = ARGV[1], ARGV[2]
local epoch = epochOf(p, ARGV[4])
if not redis.call('SET', p .. 's:' .. name .. '/lock', ARGV[5], 'NX', 'PX', ARGV[6]) then return {0} end
redis.call('ZADD', p .. 'sessions', 'XX', redis.call('INCR', p .. 'seq'), name)
return readSession(p, name, tonumber(ARGV[3]), epoch)
`;

/** ARGV: prefix, session, lock token. Let go of the lock if it is still ours. */
export const RELEASE = `
local lock = ARGV[1] .. 's:' .. ARGV[2] .. '/lock'
if redis.call('GET', lock) == ARGV[3] then redis.call('DEL', lock) end
return 1
`;

/**
 * ARGV: prefix, session, lock token, limits JSON {o|c|k: {n: count, b?: bytes}}, max sessions, due ('' none | ms),
 * due exact (1|0), the number of written fields S, then S triples (field, value, size or ''), then the fields to
 * delete. Values travel as plain arguments, never through cjson (which refuses some strings JSON allows).
 * Answers {0} when the lock is no longer ours (nothing written), else {1, version before, version after, evicted
 * fields of this session, webhook receivers' version}. Everything below runs as one unit: nothing is half-written.
 * The commit leaves its token in <session>/done (the last 100, for a minute), so a process whose call timed out can
 * learn later whether it was applied.
 */
export const COMMIT = `${COMMON}
local p, name, token = ARGV[1], ARGV[2], ARGV[3]
local base = p .. 's:' .. name
if redis.call('GET', base .. '/lock') ~= token then return {0} end
local limits = cjson.decode(ARGV[4])
local maxSessions = tonumber(ARGV[5])
local count = tonumber(ARGV[8])

local before = tonumber(redis.call('GET', base .. '/ver') or '0')
local names = {}
local pairs_ = {}
for i = 0, count - 1 do
  local f, v, size = ARGV[9 + i * 3], ARGV[10 + i * 3], ARGV[11 + i * 3]
  names[#names + 1] = f
  pairs_[#pairs_ + 1] = f
  pairs_[#pairs_ + 1] = v
  local k = budgeted(f)
  if k and limits[k] then admit(p, k, name .. SEP .. f, tonumber(size) or #v) end
end
if #pairs_ > 0 then hsetAll(base, pairs_) end
local dels = {}
for i = 9 + count * 3, #ARGV do
  local f = ARGV[i]
  dels[#dels + 1] = f
  redis.call('HDEL', base, f)
  local k = budgeted(f)
  if k then leave(p, k, name .. SEP .. f) end
end
local after = log(p, name, {set = names, del = dels})
for _, k in ipairs({base, base .. '/ver', base .. '/log'}) do redis.call('EXPIRE', k, ${IDLE_SESSION_TTL_S}) end

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
    local member = redis.call('ZRANGE', z, 0, 0)[1]
    if not member then break end
    leave(p, k, member)
    local at = string.find(member, SEP, 1, true)
    local session = string.sub(member, 1, at - 1)
    local f = string.sub(member, at + 1)
    redis.call('HDEL', p .. 's:' .. session, f)
    local v = log(p, session, {set = {}, del = {f}})
    if session == name then
      evicted[#evicted + 1] = f
      after = v
    end
  end
end

-- At most maxSessions sessions: the least recently used goes, as in one process (never one a request holds).
redis.call('ZADD', p .. 'sessions', redis.call('INCR', p .. 'seq'), name)
local extra = redis.call('ZCARD', p .. 'sessions') - maxSessions
if extra > 0 then
  for _, old in ipairs(redis.call('ZRANGE', p .. 'sessions', 0, extra - 1)) do
    if old ~= name and redis.call('EXISTS', p .. 's:' .. old .. '/lock') == 0 then
      drop(p, old)
      log(p, old, {set = {}, del = {}, reset = true})
    end
  end
end

redis.call('LPUSH', base .. '/done', token)
redis.call('LTRIM', base .. '/done', 0, 99)
redis.call('PEXPIRE', base .. '/done', 60000)
redis.call('DEL', base .. '/lock')
-- The version of the webhook receivers: the committing process delivers this commit's events, so it must know them.
return {1, before, after, evicted, redis.call('GET', p .. 'receivers:ver') or '0'}
`;

/**
 * ARGV: prefix, session, lock token. Forget a session (reset): its hash, budget entries and due entry, with a reset
 * entry in its log so every process drops what it cached. Answers {0} when the lock is not ours.
 */
export const RESET = `${COMMON}
local p, name = ARGV[1], ARGV[2]
local base = p .. 's:' .. name
if redis.call('GET', base .. '/lock') ~= ARGV[3] then return {0} end
drop(p, name)
local v = log(p, name, {set = {}, del = {}, reset = true})
redis.call('EXPIRE', base .. '/ver', ${DROPPED_TTL_S})
redis.call('EXPIRE', base .. '/log', ${DROPPED_TTL_S})
redis.call('DEL', base .. '/lock')
return {1, v}
`;

/**
 * ARGV: prefix, milliseconds, the caller's offset and frozen time. Move the shared clock forward atomically (two
 * processes advancing at once both count) and answer its new [offset, frozen]. A clock Redis lost (a flush) is first
 * put back as the caller has it, so an advance never jumps back to real time.
 */
export const CLOCK_ADVANCE = `
local key = ARGV[1] .. 'clock'
local ms = tonumber(ARGV[2])
if redis.call('EXISTS', key) == 0 then redis.call('HSET', key, 'offset', ARGV[3], 'frozen', ARGV[4]) end
local frozen = redis.call('HGET', key, 'frozen')
if frozen and frozen ~= '' then
  redis.call('HSET', key, 'frozen', tostring(tonumber(frozen) + ms))
else
  redis.call('HINCRBY', key, 'offset', ms)
  if not redis.call('HGET', key, 'frozen') then redis.call('HSET', key, 'frozen', '') end
end
return redis.call('HMGET', key, 'offset', 'frozen')
`;
