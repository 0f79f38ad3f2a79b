/**
 * The Lua scripts of the Redis tasks backend (see redis.ts for the keys).
 * Each runs atomically on the server. Scores are formatted with %.0f:
 * Redis turns a Lua number into a string with 14 significant digits,
 * which would round a millisecond timestamp shifted by a priority.
 */

/** The READY score of a task hash's fields, as Lua (priority first, then due time). */
const SCORE = `local function score(priority, run_after)
  return string.format('%.0f', -tonumber(priority) * 1e13 + tonumber(run_after))
end
`;

export const SCRIPTS = {
  /** KEYS: the task's hash. ARGV: prefix, id, name, queue, priority, args, max_attempts, run_after, enqueued_at, now, score, once|always. */
  enqueue: `local p = ARGV[1]
if ARGV[12] == 'once' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'name', ARGV[3], 'queue', ARGV[4], 'priority', ARGV[5], 'args', ARGV[6], 'status', 'READY',
  'attempts', '0', 'max_attempts', ARGV[7], 'run_after', ARGV[8], 'enqueued_at', ARGV[9])
redis.call('SADD', p .. ':queues', ARGV[4])
if tonumber(ARGV[8]) > tonumber(ARGV[10]) then
  redis.call('ZADD', p .. ':delayed', ARGV[8], ARGV[2])
else
  redis.call('ZADD', p .. ':q:' .. ARGV[4], ARGV[11], ARGV[2])
end
return 1`,

  /** ARGV: prefix, worker, max, now, lease end, queues… (none: every queue). Returns id, name, queue, args, attempts, max_attempts per task. */
  claim: `${SCORE}local p = ARGV[1]
local worker, max, now, lease = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local due = redis.call('ZRANGEBYSCORE', p .. ':delayed', '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  redis.call('ZREM', p .. ':delayed', id)
  local t = redis.call('HMGET', p .. ':t:' .. id, 'queue', 'priority', 'run_after')
  if t[1] then redis.call('ZADD', p .. ':q:' .. t[1], score(t[2], t[3]), id) end
end
local queues = {}
if #ARGV > 5 then
  for i = 6, #ARGV do queues[#queues + 1] = ARGV[i] end
else
  queues = redis.call('SMEMBERS', p .. ':queues')
end
local out, got = {}, 0
for _, q in ipairs(queues) do
  if got >= max then break end
  local popped = redis.call('ZPOPMIN', p .. ':q:' .. q, max - got)
  for i = 1, #popped, 2 do
    local id = popped[i]
    local key = p .. ':t:' .. id
    local t = redis.call('HMGET', key, 'name', 'args', 'attempts', 'max_attempts')
    if t[1] then
      local attempts = tostring(tonumber(t[3]) + 1)
      redis.call('HSET', key, 'status', 'RUNNING', 'attempts', attempts, 'worker', worker, 'started_at', now)
      redis.call('ZADD', p .. ':running', lease, id)
      out[#out + 1] = id
      out[#out + 1] = t[1]
      out[#out + 1] = q
      out[#out + 1] = t[2]
      out[#out + 1] = attempts
      out[#out + 1] = t[4]
      got = got + 1
    end
  end
end
return out`,

  /** ARGV: prefix, worker, now, result TTL, then per task: id, ok|retry|failed, result or error, retry time. */
  finish: `local p, worker, now, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
for i = 5, #ARGV, 4 do
  local id, kind, text, retry_at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local key = p .. ':t:' .. id
  if redis.call('HGET', key, 'worker') == worker and redis.call('ZREM', p .. ':running', id) == 1 then
    redis.call('HDEL', key, 'worker')
    if kind == 'ok' then
      redis.call('HSET', key, 'status', 'SUCCESSFUL', 'result', text, 'finished_at', now)
      redis.call('EXPIRE', key, ttl)
    elseif kind == 'retry' then
      redis.call('HSET', key, 'status', 'READY', 'error', text, 'run_after', retry_at)
      redis.call('ZADD', p .. ':delayed', retry_at, id)
    else
      redis.call('HSET', key, 'status', 'FAILED', 'error', text, 'finished_at', now)
      redis.call('ZADD', p .. ':failed', now, id)
    end
  end
end
return 1`,

  /** ARGV: prefix, worker, lease end, ids… */
  extend: `local p, worker, lease = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV do
  if redis.call('HGET', p .. ':t:' .. ARGV[i], 'worker') == worker then redis.call('ZADD', p .. ':running', 'XX', lease, ARGV[i]) end
end
return 1`,

  /** ARGV: prefix, worker, ids… — back to READY, the attempt not counted. */
  release: `${SCORE}local p, worker = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = p .. ':t:' .. id
  if redis.call('HGET', key, 'worker') == worker and redis.call('ZREM', p .. ':running', id) == 1 then
    local t = redis.call('HMGET', key, 'queue', 'priority', 'run_after')
    redis.call('HINCRBY', key, 'attempts', -1)
    redis.call('HSET', key, 'status', 'READY')
    redis.call('HDEL', key, 'worker')
    redis.call('ZADD', p .. ':q:' .. t[1], score(t[2], t[3]), id)
  end
end
return 1`,

  /** ARGV: prefix, now, lost runs allowed. Leases that ran out: READY again, or FAILED after too many lost runs. */
  recover: `${SCORE}local p, now = ARGV[1], ARGV[2]
local ids = redis.call('ZRANGEBYSCORE', p .. ':running', '-inf', '(' .. now, 'LIMIT', 0, 1000)
for _, id in ipairs(ids) do
  redis.call('ZREM', p .. ':running', id)
  local key = p .. ':t:' .. id
  local t = redis.call('HMGET', key, 'queue', 'priority', 'run_after', 'attempts', 'max_attempts')
  if t[1] then
    redis.call('HDEL', key, 'worker')
    if tonumber(t[4]) >= tonumber(t[5]) + tonumber(ARGV[3]) then
      redis.call('HSET', key, 'status', 'FAILED', 'finished_at', now,
        'error', 'WorkerLost: the worker running it stopped (its lease ran out) on ' .. ARGV[3] .. ' more runs than it has attempts: a task that kills its worker?')
      redis.call('ZADD', p .. ':failed', now, id)
    else
      redis.call('HSET', key, 'status', 'READY')
      redis.call('ZADD', p .. ':q:' .. t[1], score(t[2], t[3]), id)
    end
  end
end
return #ids`,

  /** ARGV: prefix, now, queues… (none: all). RUNNING tasks, READY ones due by now, and retries (due later). */
  pending: `local p, now = ARGV[1], ARGV[2]
local queues = {}
if #ARGV > 2 then
  for i = 3, #ARGV do queues[#queues + 1] = ARGV[i] end
else
  queues = redis.call('SMEMBERS', p .. ':queues')
end
local wanted, n = {}, 0
for _, q in ipairs(queues) do
  wanted[q] = true
  n = n + redis.call('ZCARD', p .. ':q:' .. q)
end
local function count(ids, retries_only)
  for _, id in ipairs(ids) do
    local t = redis.call('HMGET', p .. ':t:' .. id, 'queue', 'attempts')
    if (#ARGV == 2 or wanted[t[1]]) and (not retries_only or tonumber(t[2] or '0') > 0) then n = n + 1 end
  end
end
count(redis.call('ZRANGEBYSCORE', p .. ':delayed', '-inf', now), false)
count(redis.call('ZRANGEBYSCORE', p .. ':delayed', '(' .. now, '+inf'), true)
count(redis.call('ZRANGE', p .. ':running', 0, -1), false)
return n`,

  /** ARGV: prefix, id, now. A FAILED task back to READY with its attempts reset; 0 when it is not FAILED. */
  retry: `${SCORE}local p, id, now = ARGV[1], ARGV[2], ARGV[3]
local key = p .. ':t:' .. id
if redis.call('HGET', key, 'status') ~= 'FAILED' then return 0 end
redis.call('ZREM', p .. ':failed', id)
redis.call('HSET', key, 'status', 'READY', 'attempts', '0', 'run_after', now)
redis.call('HDEL', key, 'finished_at')
local t = redis.call('HMGET', key, 'queue', 'priority')
redis.call('ZADD', p .. ':q:' .. t[1], score(t[2], now), id)
return 1`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
