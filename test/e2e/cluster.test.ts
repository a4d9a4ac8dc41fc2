import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { call, containersOf, sleep, waitFor } from '../helpers/docker'
import { startProxy, type ProxyProcess } from '../helpers/proxy-process'
import { RedisServer } from '../helpers/redis-server'
import { open, type Client } from '../helpers/socket-client'

// Three proxies, each with a pool of 6 real runners, sharing one real redis-server on loopback: the
// submissions of every user go through one BullMQ queue whichever proxy they reach.

jest.setTimeout(600000)
const NODES = 3
const RUNNING_PER_USER = 3
const QUEUED_PER_USER = 12
const dir = mkdtempSync(join(tmpdir(), 'cluster-'))
let redis: RedisServer
const proxies: ProxyProcess[] = []
const basePort = 4300 + Math.floor(Math.random() * 400) * 3

function configFor (node: number): string {
  const path = join(dir, `node-${node}.json`)
  writeFileSync(path, JSON.stringify({
    poolName: `e2e-cluster-${node}`,
    pool: { min: 6, max: 6 },
    submissions: { maxRunningPerUser: RUNNING_PER_USER, maxQueuedPerUser: QUEUED_PER_USER },
    // A lost node's jobs are found within about lockMs + stalledIntervalMs.
    queue: { redisUrl: redis.url, lockMs: 4000, stalledIntervalMs: 1000, maxStalledCount: 1 }
  }))
  return path
}

async function startNode (node: number): Promise<ProxyProcess> {
  proxies[node] = await startProxy(configFor(node), basePort + node)
  return proxies[node]
}

/** A counter of a proxy's /metrics, summed over its labels that match. */
async function metric (proxy: ProxyProcess, name: string, labels = ''): Promise<number> {
  const text = (await call(proxy.base, { url: '/metrics' })).text
  return text.split('\n').filter((line) => line.startsWith(name) && line.includes(labels) && !line.startsWith('#'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)
}

const printer = (text: string, sleepSeconds = 0) =>
  `import time\n${sleepSeconds > 0 ? `time.sleep(${sleepSeconds})\n` : ''}print(${JSON.stringify(text)})`

/** Every event a socket heard for each submission id, in order. */
function eventsById (client: Client): Map<string, any[]> {
  const byId = new Map<string, any[]>()
  for (const message of client.messages) {
    if (typeof message.id !== 'string' || message.type === 'submitted') continue
    byId.set(message.id, [...(byId.get(message.id) ?? []), message])
  }
  return byId
}

async function submitOverHttp (proxy: ProxyProcess, userId: string, code: string): Promise<string> {
  const reply = await call(proxy.base, { url: '/api/v1/submissions', payload: { userId, language: 'python', code } })
  expect(reply.statusCode).toBe(202)
  return reply.json().id
}

async function resultsOf (proxy: ProxyProcess, ids: string[], timeoutMs = 120000): Promise<Map<string, any>> {
  const results = new Map<string, any>()
  await waitFor('every submission to be done', async () => {
    for (const id of ids.filter((one) => !results.has(one))) {
      const reply = await call(proxy.base, { url: `/api/v1/submissions/${id}` })
      if (reply.statusCode === 200 && reply.json().state === 'done') results.set(id, reply.json().result)
    }
    return results.size === ids.length
  }, timeoutMs)
  return results
}

beforeAll(async () => {
  redis = await RedisServer.start()
  for (let node = 0; node < NODES; node++) await startNode(node)
})

afterAll(async () => {
  for (const proxy of proxies) {
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGTERM')
      await proxy.exited
    }
  }
  await redis?.close()
  rmSync(dir, { recursive: true, force: true })
  for (let node = 0; node < NODES; node++) expect(await containersOf(`e2e-cluster-${node}`)).toEqual([])
})

describe('three proxies over one Redis', () => {
  test('300 submissions of 20 users on sockets of different proxies: each done once, right, its events in order, work on every node', async () => {
    const before = await Promise.all(proxies.map((proxy) => metric(proxy, 'codeexec_cluster_jobs_total', 'outcome="finished"')))
    const users = Array.from({ length: 20 }, (_, index) => `user-${index}`)
    const clients = await Promise.all(users.map((user, index) => open(`ws://127.0.0.1:${basePort + index % NODES}/api/v1/ws?userId=${user}`)))
    const expected = new Map<string, { client: Client, text: string }>()
    await Promise.all(clients.map(async (client, index) => {
      for (let n = 0; n < 15; n++) {
        const ref = `${users[index]}-${n}`
        client.send({ type: 'submit', ref, language: 'python', code: printer(ref) })
        const submitted = await client.next((message) => message.ref === ref)
        expect(submitted).toMatchObject({ type: 'submitted' })
        expected.set(submitted.id, { client, text: ref })
      }
    }))
    expect(expected.size).toBe(300)
    await waitFor('300 done events', () => clients.reduce((sum, client) => sum + client.messages.filter((m) => m.type === 'done').length, 0) >= 300, 300000)
    await sleep(500)
    for (const client of clients) {
      for (const [id, events] of eventsById(client)) {
        const { text, client: maker } = expected.get(id)!
        expect(maker).toBe(client)
        const types = events.map((event) => event.type)
        // queued, running, the output as written, then one done, last.
        expect({ id, types }).toEqual({ id, types: ['queued', 'running', 'stdout', 'done'] })
        expect(events[2].data).toBe(`${text}\n`)
        expect(events[3].result).toMatchObject({ status: 'ok', run: { stdout: `${text}\n` } })
      }
    }
    const heard = clients.reduce((sum, client) => sum + eventsById(client).size, 0)
    expect(heard).toBe(300)
    const after = await Promise.all(proxies.map((proxy) => metric(proxy, 'codeexec_cluster_jobs_total', 'outcome="finished"')))
    const perNode = after.map((count, node) => count - before[node])
    expect(perNode.reduce((sum, count) => sum + count, 0)).toBe(300)
    for (const count of perNode) expect(count).toBeGreaterThan(0)
    console.log(`cluster: 300 submissions ran as ${perNode.join(' / ')} on the three nodes`)
    for (const client of clients) client.socket.close()
  })

  test('a user at the cap on one node is refused on another, and never has more than the cap running anywhere', async () => {
    const client = await open(`ws://127.0.0.1:${basePort}/api/v1/ws?userId=greedy`)
    const cap = RUNNING_PER_USER + QUEUED_PER_USER
    for (let n = 0; n < cap; n++) {
      client.send({ type: 'submit', ref: n, language: 'python', code: printer(`g${n}`, 0.5) })
      expect(await client.next((message) => message.ref === n)).toMatchObject({ type: 'submitted' })
    }
    const refused = await call(proxies[1].base, { url: '/api/v1/submissions', payload: { userId: 'greedy', language: 'python', code: 'print(1)' } })
    expect(refused.statusCode).toBe(429)
    expect(refused.json().error.code).toBe('EXEC_ERR_USER_QUEUE_FULL')
    await waitFor('the greedy user\'s submissions', () => client.messages.filter((m) => m.type === 'done').length === cap, 120000)
    // From the order events arrived in: how many ran at once at most.
    let runningNow = 0
    let most = 0
    for (const message of client.messages) {
      if (message.type === 'running') most = Math.max(most, ++runningNow)
      if (message.type === 'done') runningNow--
    }
    expect(most).toBeGreaterThan(1)
    expect(most).toBeLessThanOrEqual(RUNNING_PER_USER)
    const again = await call(proxies[2].base, { url: '/api/v1/submissions', payload: { userId: 'greedy', language: 'python', code: 'print(1)' } })
    expect(again.statusCode).toBe(202)
    client.socket.close()
  })

  test('Judge0: a submission made on one proxy is read by its token on another, request and result', async () => {
    const made = await call(proxies[0].base, { url: '/judge0/submissions?base64_encoded=false', payload: { language_id: 71, source_code: 'print(input())', stdin: 'across' } })
    expect(made.statusCode).toBe(201)
    const { token } = made.json()
    let shown: any
    await waitFor('the Judge0 submission to finish', async () => {
      shown = (await call(proxies[1].base, { url: `/judge0/submissions/${token}?base64_encoded=false&fields=*` })).json()
      return shown.status?.id >= 3
    }, 60000)
    expect(shown).toMatchObject({ token, stdin: 'across', source_code: 'print(input())', stdout: 'across\n', status: { id: 3, description: 'Accepted' } })
    expect(shown.finished_at).toEqual(expect.any(String))
  })

  test('kill -9 of a proxy mid-run: its jobs run again elsewhere, each done exactly once, none lost', async () => {
    const client = await open(`ws://127.0.0.1:${basePort}/api/v1/ws?userId=survivor`)
    const ids: string[] = []
    for (let n = 0; n < 15; n++) {
      client.send({ type: 'submit', ref: n, language: 'python', code: printer(`s${n}`, 2) })
      ids.push((await client.next((message) => message.ref === n)).id)
    }
    const victim = proxies[2]
    await waitFor('the victim to be running some', async () => (await metric(victim, 'codeexec_cluster_node_jobs_running')) > 0, 60000)
    victim.child.kill('SIGKILL')
    await victim.exited
    await waitFor('every submission done', () => client.messages.filter((m) => m.type === 'done').length >= 15, 180000)
    await sleep(2000)
    const byId = eventsById(client)
    let retried = 0
    for (const [index, id] of ids.entries()) {
      const types = byId.get(id)!.map((event) => event.type)
      expect(types.filter((type) => type === 'done')).toHaveLength(1)
      expect(types.at(-1)).toBe('done')
      if (types.includes('retry')) retried++
      const done = byId.get(id)!.at(-1)
      expect(done.result).toMatchObject({ status: 'ok', run: { stdout: `s${index}\n` } })
    }
    expect(retried).toBeGreaterThan(0)
    client.socket.close()
    await startNode(2)
  })

  test('every proxy restarted: finished results are still read by id, from any of them', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, (_, n) => submitOverHttp(proxies[n % NODES], `keeper-${n}`, printer(`k${n}`))))
    await resultsOf(proxies[0], ids)
    for (let node = 0; node < NODES; node++) {
      proxies[node].child.kill('SIGTERM')
      expect(await proxies[node].exited).toBe(0)
    }
    for (let node = 0; node < NODES; node++) await startNode(node)
    for (const [n, id] of ids.entries()) {
      const reply = await call(proxies[(n + 1) % NODES].base, { url: `/api/v1/submissions/${id}` })
      expect(reply.json()).toMatchObject({ id, state: 'done', result: { status: 'ok', run: { stdout: `k${n}\n` } } })
    }
  })

  test('Redis stopped mid-load: not ready, submissions 503, executes run; back again, nothing lost', async () => {
    const ids = await Promise.all(Array.from({ length: 18 }, (_, n) => submitOverHttp(proxies[n % NODES], `steady-${n % 6}`, printer(`r${n}`, 0.3))))
    await redis.stop()
    await waitFor('every proxy to see Redis gone', async () => {
      const replies = await Promise.all(proxies.map((proxy) => call(proxy.base, { url: '/readyz' })))
      return replies.every((reply) => reply.statusCode === 503 && reply.json().queue === 'unavailable')
    }, 20000)
    const refused = await call(proxies[0].base, { url: '/api/v1/submissions', payload: { userId: 'late', language: 'python', code: 'print(1)' } })
    expect(refused.statusCode).toBe(503)
    expect(refused.json().error.code).toBe('EXEC_ERR_QUEUE_UNAVAILABLE')
    expect(await metric(proxies[0], 'codeexec_requests_rejected_total', 'reason="queue_unavailable"')).toBe(1)
    const socket = await open(`ws://127.0.0.1:${basePort + 1}/api/v1/ws?userId=late`)
    socket.send({ type: 'submit', ref: 1, language: 'python', code: 'print(1)' })
    expect(await socket.next((message) => message.ref === 1)).toMatchObject({ type: 'error', error: { code: 'EXEC_ERR_QUEUE_UNAVAILABLE' } })
    socket.socket.close()
    const executed = await call(proxies[1].base, { url: '/api/v1/execute', payload: { language: 'python', code: 'print("still here")' } })
    expect(executed.json()).toMatchObject({ status: 'ok', run: { stdout: 'still here\n' } })
    await sleep(1500)
    await redis.resume()
    await waitFor('every proxy ready again', async () => {
      const replies = await Promise.all(proxies.map((proxy) => call(proxy.base, { url: '/readyz' })))
      return replies.every((reply) => reply.statusCode === 200)
    }, 30000)
    const results = await resultsOf(proxies[2], ids)
    for (const [n, id] of ids.entries()) expect(results.get(id)).toMatchObject({ status: 'ok', run: { stdout: `r${n}\n` } })
    expect(await submitOverHttp(proxies[0], 'late', 'print(1)')).toEqual(expect.any(String))
  })
})

describe('two proxies with API keys, one try only, one job each at a time', () => {
  const KEY = 'cluster-test-key-0123456789'
  const pair: ProxyProcess[] = []
  const paths: string[] = []

  beforeAll(async () => {
    for (let node = 0; node < 2; node++) {
      const path = join(dir, `keyed-${node}.json`)
      writeFileSync(path, JSON.stringify({
        poolName: `e2e-cluster-keyed-${node}`,
        pool: { min: 2, max: 2 },
        auth: { keys: { [KEY]: 'kim' } },
        queue: { redisUrl: redis.url, name: 'keyed', concurrency: 1, lockMs: 3000, stalledIntervalMs: 1000, maxStalledCount: 0 }
      }))
      paths.push(path)
      pair.push(await startProxy(path, basePort + 10 + node))
    }
  })
  afterAll(async () => {
    for (const proxy of pair) {
      if (proxy.child.exitCode === null) {
        proxy.child.kill('SIGTERM')
        await proxy.exited
      }
    }
    for (let node = 0; node < 2; node++) expect(await containersOf(`e2e-cluster-keyed-${node}`)).toEqual([])
  })

  test('a socket on one proxy hears its user\'s submission made on the other, in order', async () => {
    const client = await open(`ws://127.0.0.1:${basePort + 10}/api/v1/ws?apiKey=${KEY}`)
    await sleep(200)
    const made = await call(pair[1].base, { url: '/api/v1/submissions', headers: { 'x-api-key': KEY }, payload: { language: 'python', code: 'print("heard")' } })
    expect(made.statusCode).toBe(202)
    const { id } = made.json()
    await client.next((message) => message.type === 'done' && message.id === id)
    expect(eventsById(client).get(id)!.map((event) => event.type)).toEqual(['queued', 'running', 'stdout', 'done'])
    client.socket.close()
  })

  test('an interactive run stays on the proxy of its socket, and talks', async () => {
    const client = await open(`ws://127.0.0.1:${basePort + 11}/api/v1/ws?apiKey=${KEY}`)
    client.send({ type: 'submit', ref: 'i', interactive: true, language: 'python', code: 'print("echo", input(), flush=True)' })
    const { id } = await client.next((message) => message.ref === 'i')
    await client.next((message) => message.type === 'running' && message.id === id)
    client.send({ type: 'stdin', id, data: 'typed\n' })
    const done = await client.next((message) => message.type === 'done' && message.id === id)
    expect(done.result).toMatchObject({ status: 'ok', run: { stdout: 'echo typed\n' } })
    client.socket.close()
  })

  test('a cancel stops a job on the proxy running it; asked of another proxy it is a 409 saying why', async () => {
    const headers = { 'x-api-key': KEY }
    const ids: string[] = []
    for (let n = 0; n < 2; n++) {
      const payload = { language: 'bash', code: 'echo up; sleep 30', limits: { run: { timeoutMs: 15000 } } }
      ids.push((await call(pair[0].base, { url: '/api/v1/submissions', headers, payload })).json().id)
    }
    // One job a proxy at a time: each runs one.
    await waitFor('both proxies running a job', async () => {
      const running = await Promise.all(pair.map((proxy) => metric(proxy, 'codeexec_cluster_node_jobs_running')))
      return running.every((count) => count === 1)
    })
    const asked = await Promise.all(ids.map((id) => call(pair[0].base, { method: 'POST', url: `/api/v1/submissions/${id}/cancel`, headers })))
    expect(asked.map((reply) => reply.statusCode).sort()).toEqual([200, 409])
    const elsewhere = ids[asked.findIndex((reply) => reply.statusCode === 409)]
    expect(asked.find((reply) => reply.statusCode === 409)!.json().error).toEqual({
      code: 'EXEC_ERR_NOT_CANCELLABLE',
      message: `submission "${elsewhere}" cannot be cancelled from this proxy: it is running on another proxy (queue.redisUrl: README, Cancel)`
    })
    expect((await call(pair[1].base, { method: 'POST', url: `/api/v1/submissions/${elsewhere}/cancel`, headers })).statusCode).toBe(200)
    const views: any[] = []
    await waitFor('both cancelled jobs to be done', async () => {
      views.splice(0, views.length, ...await Promise.all(ids.map(async (id) => (await call(pair[1].base, { url: `/api/v1/submissions/${id}`, headers })).json())))
      return views.every((view) => view.state === 'done')
    }, 10000)
    for (const view of views) expect(view.result).toMatchObject({ status: 'cancelled', run: { stdout: 'up\n', signal: 'SIGKILL' } })
  })

  test('with maxStalledCount 0, a job whose proxy is killed ends as internal_error, once, and says why', async () => {
    const client = await open(`ws://127.0.0.1:${basePort + 10}/api/v1/ws?apiKey=${KEY}`)
    const ids: string[] = []
    for (let n = 0; n < 2; n++) {
      client.send({ type: 'submit', ref: n, language: 'python', code: printer(`x${n}`, 5), limits: { run: { timeoutMs: 10000 } } })
      ids.push((await client.next((message) => message.ref === n)).id)
    }
    // One job a proxy at a time: each runs one.
    await waitFor('both proxies running a job', async () => {
      const running = await Promise.all(pair.map((proxy) => metric(proxy, 'codeexec_cluster_node_jobs_running')))
      return running.every((count) => count === 1)
    }, 30000)
    pair[1].child.kill('SIGKILL')
    await pair[1].exited
    await waitFor('both done', () => client.messages.filter((m) => m.type === 'done').length >= 2, 60000)
    await sleep(1500)
    const results = ids.map((id) => eventsById(client).get(id)!.filter((event) => event.type === 'done'))
    for (const dones of results) expect(dones).toHaveLength(1)
    const statuses = results.map(([done]) => done.result.status).sort()
    expect(statuses).toEqual(['internal_error', 'ok'])
    const failed = results.find(([done]) => done.result.status === 'internal_error')![0]
    expect(failed.result.message).toMatch(/could not run: job stalled more than allowable limit/)
    client.socket.close()
    // Started again, it removes the runners its killed process left, as any proxy does at start.
    pair[1] = await startProxy(paths[1], basePort + 11)
  })
})
