import { Redis } from 'ioredis'
import { ClusterScripts, keysOf } from '../../proxy/src/submissions/cluster/redis-scripts'
import { RedisServer } from '../helpers/redis-server'

// The shared queue's caps and its done-once rule are Lua scripts that Redis runs atomically: here against
// a real redis-server, many nodes' calls at once.
let server: RedisServer
let redis: Redis
let scripts: ClusterScripts
const keys = keysOf('scripts-test')
const caps = { maxQueued: 100, maxRunningPerUser: 2, maxQueuedPerUser: 3 }

beforeAll(async () => {
  server = await RedisServer.start()
  redis = new Redis(server.url)
  scripts = new ClusterScripts(redis, keys)
})
afterAll(async () => {
  redis.disconnect()
  await server.close()
})
beforeEach(async () => { await redis.flushall() })

describe('the shared queue\'s scripts', () => {
  test('admission: a user\'s running and queued together up to maxRunningPerUser + maxQueuedPerUser, even sent all at once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => scripts.admit(`a${n}`, 'alice', caps, '')))
    const admitted = answers.filter(([position]) => position > 0)
    expect(admitted).toHaveLength(5)
    expect(admitted.map(([position]) => position).sort()).toEqual([1, 2, 3, 4, 5])
    expect(answers.filter(([position]) => position === -1)).toHaveLength(7)
    // Another user is not held back by alice.
    expect((await scripts.admit('b0', 'bob', caps, ''))[0]).toBe(6)
  })

  test('maxQueued counts everyone\'s queued submissions', async () => {
    const small = { ...caps, maxQueued: 3 }
    for (const user of ['u1', 'u2', 'u3']) expect((await scripts.admit(`${user}-s`, user, small, ''))[0]).toBeGreaterThan(0)
    expect(await scripts.admit('u4-s', 'u4', small, '')).toEqual([-2, 3, 0])
  })

  test('claims: at most maxRunningPerUser at once across nodes; done frees a slot; a claim of a done job says so', async () => {
    for (let n = 0; n < 4; n++) await scripts.admit(`j${n}`, 'carol', caps, '')
    const claims = await Promise.all([0, 1, 2, 3].map((n) => scripts.claim(`j${n}`, 'carol', 30000, caps.maxRunningPerUser, `node-${n}`)))
    expect(claims.filter((claim) => claim === 'ok')).toHaveLength(2)
    expect(claims.filter((claim) => claim === 'busy')).toHaveLength(2)
    const first = claims.indexOf('ok')
    const waiting = claims.indexOf('busy')
    expect(await scripts.finish(`j${first}`, 'carol', '{"status":"ok"}', 60000, '{}')).toBe(true)
    expect(await scripts.claim(`j${waiting}`, 'carol', 30000, caps.maxRunningPerUser, 'node-x')).toBe('ok')
    expect(await scripts.claim(`j${first}`, 'carol', 30000, caps.maxRunningPerUser, 'node-y')).toBe('done')
  })

  test('a lost node\'s lease ends: its user\'s slot frees, and the job claimed again is told apart', async () => {
    await scripts.admit('lost', 'dave', caps, '')
    await scripts.admit('other', 'dave', caps, '')
    await scripts.admit('third', 'dave', caps, '')
    expect(await scripts.claim('lost', 'dave', 200, 1, 'dead-node')).toBe('ok')
    expect(await scripts.claim('other', 'dave', 200, 1, 'node-2')).toBe('busy')
    await new Promise((resolve) => setTimeout(resolve, 300))
    // The dead node's lease is over: the slot is free again, and the job it held comes back as 'again'.
    expect(await scripts.claim('lost', 'dave', 30000, 1, 'node-2')).toBe('again')
    expect(await scripts.claim('other', 'dave', 30000, 1, 'node-3')).toBe('busy')
    // Renewed leases hold.
    await scripts.renew([{ id: 'lost', user: 'dave' }], 30000)
    expect(await scripts.claim('third', 'dave', 30000, 1, 'node-3')).toBe('busy')
  })

  test('a result is kept once: a second finish (a job run twice) is dropped, and its done published once', async () => {
    await scripts.admit('twice', 'erin', caps, '')
    const listener = new Redis(server.url)
    const heard: string[] = []
    await listener.subscribe(keys.events('erin'))
    listener.on('message', (_channel, message) => heard.push(message))
    const [first, second] = await Promise.all([
      scripts.finish('twice', 'erin', '{"run":1}', 60000, '{"type":"done","id":"twice"}'),
      scripts.finish('twice', 'erin', '{"run":2}', 60000, '{"type":"done","id":"twice"}')
    ])
    expect([first, second].sort()).toEqual([false, true])
    expect(await redis.get(keys.result('twice'))).toBe(first ? '{"run":1}' : '{"run":2}')
    expect(await redis.pttl(keys.result('twice'))).toBeGreaterThan(50000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(heard).toEqual(['{"type":"done","id":"twice"}'])
    listener.disconnect()
  })

  test('forget undoes an admission that never reached the queue', async () => {
    await scripts.admit('gone', 'fay', caps, '')
    await scripts.forget('gone', 'fay')
    expect(await redis.zcard(keys.queued)).toBe(0)
    expect(await redis.exists(keys.submission('gone'))).toBe(0)
  })
})
