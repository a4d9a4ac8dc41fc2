import type { Redis } from 'ioredis'

// What the cluster keeps in Redis besides BullMQ's own keys, and the scripts that change it. Each script
// runs atomically in Redis: two nodes admitting or starting one user's jobs at once cannot both pass a cap.
// A single Redis (or a Sentinel primary), not Redis Cluster: a script touches keys of several users' sets.

/** The keys of queue `name`: one set of every queued submission, two per user, one hash and result per submission. */
export function keysOf (name: string) {
  const base = `${name}:subs`
  return {
    seq: `${base}:seq`,
    /** Every submission not yet started, scored by its seq: a position is a rank. */
    queued: `${base}:queued`,
    /** A user's submissions not yet started (seq), and started (score: when its node's lease on it ends). */
    userQueued: (user: string) => `${base}:user:${user}:queued`,
    userActive: (user: string) => `${base}:user:${user}:active`,
    /** user, state, seq, submittedAt, finishedAt, node, meta. */
    submission: (id: string) => `${base}:sub:${id}`,
    result: (id: string) => `${base}:result:${id}`,
    /** Every event of a user's submissions, published in order by the node that makes it. */
    events: (user: string) => `${base}:events:${user}`,
    eventsPattern: `${base}:events:*`
  }
}

export type Keys = ReturnType<typeof keysOf>

/**
 * Admits a submission under the caps: refused as -1 (the user has maxRunning + maxQueuedPerUser already,
 * queued or running anywhere) or -2 (maxQueued queued in all); else recorded as queued, and its position.
 */
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
local active = redis.call('ZCARD', KEYS[2])
local queued = redis.call('ZCARD', KEYS[3])
if active + queued >= tonumber(ARGV[5]) + tonumber(ARGV[6]) then return {-1, active, queued} end
local total = redis.call('ZCARD', KEYS[1])
if total >= tonumber(ARGV[4]) then return {-2, total, 0} end
local seq = redis.call('INCR', KEYS[5])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('ZADD', KEYS[3], seq, ARGV[1])
redis.call('HSET', KEYS[4], 'user', ARGV[2], 'state', 'queued', 'seq', seq, 'submittedAt', ARGV[3], 'meta', ARGV[7])
return {redis.call('ZRANK', KEYS[1], ARGV[1]) + 1, 0, 0}
`

/**
 * A node takes a submission to run: 'done' if it already finished (a job delivered twice), 'busy' if its
 * user has maxRunningPerUser running elsewhere (leases that ended are dropped first), 'again' if a node
 * started it before and was lost, else 'ok'. Either of the last two holds a lease until ARGV[3].
 */
const CLAIM = `
local state = redis.call('HGET', KEYS[4], 'state')
if state == 'done' then return 'done' end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'busy' end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], 'state', 'running', 'node', ARGV[5])
if state == 'running' then return 'again' end
return 'ok'
`

/**
 * Keeps a submission's result once: 0 if it was done already (the later of two runs is dropped), else 1,
 * its `done` event published in the same step, and both kept for keepFinishedMs.
 */
const FINISH = `
if redis.call('HGET', KEYS[1], 'state') == 'done' then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'done', 'finishedAt', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('PUBLISH', KEYS[6], ARGV[5])
return 1
`

/** Undoes ADMIT for a submission that never reached the queue. */
const FORGET = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
`

export type Claim = 'done' | 'busy' | 'again' | 'ok'

/** The scripts, on one connection. */
export class ClusterScripts {
  constructor (private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('codeexecAdmit', { numberOfKeys: 5, lua: ADMIT })
    redis.defineCommand('codeexecClaim', { numberOfKeys: 4, lua: CLAIM })
    redis.defineCommand('codeexecFinish', { numberOfKeys: 6, lua: FINISH })
    redis.defineCommand('codeexecForget', { numberOfKeys: 3, lua: FORGET })
  }

  private call (name: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...all: Array<string | number>) => Promise<unknown>>)[name](...keys, ...args)
  }

  /** [position] when admitted; [-1, running, queued] or [-2, queued in all] when refused. */
  async admit (id: string, user: string, caps: { maxQueued: number, maxRunningPerUser: number, maxQueuedPerUser: number }, meta: string) {
    const k = this.keys
    return await this.call('codeexecAdmit', [k.queued, k.userActive(user), k.userQueued(user), k.submission(id), k.seq],
      [id, user, Date.now(), caps.maxQueued, caps.maxRunningPerUser, caps.maxQueuedPerUser, meta]) as [number, number, number]
  }

  async claim (id: string, user: string, leaseMs: number, maxRunningPerUser: number, node: string): Promise<Claim> {
    const k = this.keys
    const now = Date.now()
    return await this.call('codeexecClaim', [k.queued, k.userActive(user), k.userQueued(user), k.submission(id)],
      [id, now, now + leaseMs, maxRunningPerUser, node]) as Claim
  }

  /** Leases of submissions running here, extended: a node that stops renewing loses them after leaseMs. */
  async renew (running: Iterable<{ id: string, user: string }>, leaseMs: number): Promise<void> {
    const until = Date.now() + leaseMs
    const batch = this.redis.pipeline()
    for (const { id, user } of running) batch.zadd(this.keys.userActive(user), 'XX', until, id)
    await batch.exec()
  }

  async finish (id: string, user: string, result: string, keepMs: number, doneEvent: string): Promise<boolean> {
    const k = this.keys
    const kept = await this.call('codeexecFinish', [k.submission(id), k.result(id), k.queued, k.userActive(user), k.userQueued(user), k.events(user)],
      [id, result, keepMs, new Date().toISOString(), doneEvent])
    return kept === 1
  }

  async forget (id: string, user: string): Promise<void> {
    const k = this.keys
    await this.call('codeexecForget', [k.queued, k.userQueued(user), k.submission(id)], [id])
  }
}
