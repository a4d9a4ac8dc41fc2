import WebSocket from 'ws'
import { parseConfig } from '../../proxy/src/config'
import { call, listenAndFill, realApp, sleep, waitFor } from '../helpers/docker'

// Submissions and their WebSocket events on real containers: the queue, its caps per user, API keys.
jest.setTimeout(180000)

const KEY_ALICE = 'alice-key-0123456789abcdef'
const KEY_BOB = 'bob-key-0123456789abcdef01'

function appWith (poolName: string, extra: object) {
  return realApp(parseConfig({ poolName, pool: { min: 3, max: 3, acquireTimeoutMs: 60000 }, ...extra }))
}

async function post (base: string, url: string, payload: unknown, headers?: Record<string, string>) {
  const reply = await call(base, { method: 'POST', url, payload, headers })
  return { statusCode: reply.statusCode, headers: reply.headers, body: reply.json() }
}

async function get (base: string, url: string, headers?: Record<string, string>) {
  const reply = await call(base, { url, headers })
  return { statusCode: reply.statusCode, body: reply.json() }
}

async function resultOf (base: string, id: string, headers?: Record<string, string>) {
  let view: any
  await waitFor(`submission ${id}`, async () => {
    view = (await get(base, `/api/v1/submissions/${id}`, headers)).body
    return view.state === 'done'
  })
  return view
}

/** A WebSocket client that keeps every message it receives, in order. */
async function connect (base: string, query: string): Promise<{ socket: WebSocket, messages: any[], closed: Promise<number> }> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws?${query}`)
  const messages: any[] = []
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())))
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  return { socket, messages, closed }
}

describe('submissions without API keys (single-tenant)', () => {
  const { app, pool } = appWith('e2e-submissions', { submissions: { maxRunningPerUser: 1, maxQueuedPerUser: 1 } })
  let base = ''
  beforeAll(async () => { base = await listenAndFill(app, pool, 3) })
  afterAll(async () => { await app.close() })

  test('a submission is queued at once with an unguessable id, and its result is what execute answers', async () => {
    const { statusCode, body } = await post(base, '/api/v1/submissions', { language: 'python', code: 'print(input()[::-1])', stdin: 'olleh', userId: 'u1' })
    expect(statusCode).toBe(202)
    expect(body).toEqual({ id: expect.stringMatching(/^[\w-]{22}$/), state: 'queued', position: expect.any(Number) })
    const view = await resultOf(base, body.id)
    expect(view).toMatchObject({ id: body.id, state: 'done', result: { language: 'python', status: 'ok', run: { stdout: 'hello\n' }, timing: expect.any(Object) } })
    // Exactly execute's shape: no stage has Piston's interleaved `output`.
    const direct = await post(base, '/api/v1/execute', { language: 'python', code: 'print(input()[::-1])', stdin: 'olleh' })
    expect(Object.keys(view.result).sort()).toEqual(Object.keys(direct.body).sort())
    expect(Object.keys(view.result.run).sort()).toEqual(Object.keys(direct.body.run).sort())
    expect((await get(base, '/api/v1/submissions/no-such-id')).body.error.code).toBe('EXEC_ERR_SUBMISSION_NOT_FOUND')
    expect((await post(base, '/api/v1/submissions', { language: 'python', code: '' })).body.error).toEqual({ code: 'EXEC_ERR_MISSING_FIELD', message: 'userId is required' })
  })

  test('a user over the cap gets a 429 with Retry-After while another user is served', async () => {
    const slow = { language: 'python', code: 'import time\ntime.sleep(1.5)\nprint("slow")', userId: 'greedy' }
    const first = await post(base, '/api/v1/submissions', slow)
    const second = await post(base, '/api/v1/submissions', slow)
    expect([first.statusCode, second.statusCode]).toEqual([202, 202])
    const third = await post(base, '/api/v1/submissions', slow)
    expect(third.statusCode).toBe(429)
    expect(third.headers['retry-after']).toBe('1')
    expect(third.body.error.code).toBe('EXEC_ERR_USER_QUEUE_FULL')
    expect(third.body.error.message).toMatch(/user "greedy" has 1 submissions running and 1 queued/)

    const other = await post(base, '/api/v1/submissions', { language: 'python', code: 'print("served")', userId: 'polite' })
    expect(other.statusCode).toBe(202)
    const served = await resultOf(base, other.body.id)
    expect(served.result.run.stdout).toBe('served\n')
    // Served while the greedy user's second still waits behind their first.
    expect((await get(base, `/api/v1/submissions/${second.body.id}`)).body.state).not.toBe('done')
    expect((await resultOf(base, second.body.id)).result.run.stdout).toBe('slow\n')
  })

  test('over a WebSocket: submit, then queued, running and done arrive in order', async () => {
    const client = await connect(base, 'userId=ws-user')
    client.socket.send(JSON.stringify({ type: 'submit', ref: 'r1', language: 'python', code: 'print(6 * 7)' }))
    await waitFor('done', () => client.messages.some((m) => m.type === 'done'))
    const id = client.messages.find((m) => m.type === 'submitted').id
    expect(client.messages.map((m) => m.type)).toEqual(['queued', 'submitted', 'running', 'stdout', 'done'])
    expect(client.messages[3]).toEqual({ type: 'stdout', id, stage: 'run', data: '42\n' })
    expect(client.messages.find((m) => m.type === 'submitted')).toEqual({ type: 'submitted', ref: 'r1', id, position: expect.any(Number) })
    expect(client.messages.every((m) => m.id === id)).toBe(true)
    expect(client.messages[4].result).toMatchObject({ status: 'ok', run: { stdout: '42\n' } })
    expect(client.messages[4].result.run).not.toHaveProperty('output')

    client.socket.send(JSON.stringify({ type: 'submit', ref: 'r2', language: 'cobol', code: '' }))
    client.socket.send('not json')
    await waitFor('errors', () => client.messages.filter((m) => m.type === 'error').length === 2)
    const errors = client.messages.filter((m) => m.type === 'error')
    expect(errors[0]).toMatchObject({ ref: 'r2', error: { code: 'EXEC_ERR_UNKNOWN_LANGUAGE' } })
    expect(errors[1].error.code).toBe('EXEC_ERR_INVALID_JSON')
    client.socket.close()
    await client.closed
  })

  // Issue 14, defect 5: without keys a userId is anyone's to name, and naming one showed that user's output.
  test("without keys a WebSocket hears only the submissions it made, not those of another socket or a POST naming its user", async () => {
    const maker = await connect(base, 'userId=shared-name')
    const snoop = await connect(base, 'userId=shared-name')
    maker.socket.send(JSON.stringify({ type: 'submit', language: 'python', code: 'print("mine")' }))
    const posted = await post(base, '/api/v1/submissions', { language: 'python', code: 'print("posted")', userId: 'shared-name' })
    await waitFor('done', () => maker.messages.some((m) => m.type === 'done'))
    await resultOf(base, posted.body.id)
    await sleep(200)
    const id = maker.messages.find((m) => m.type === 'submitted').id
    expect(maker.messages.map((m) => m.type)).toEqual(['queued', 'submitted', 'running', 'stdout', 'done'])
    expect(maker.messages.every((m) => m.id === id)).toBe(true)
    expect(snoop.messages).toEqual([])
    maker.socket.close()
    snoop.socket.close()
  })

  // Issue 14, defect 2: an interactive submission's stdin past a megabyte paused the socket, and a refused
  // submission never resumed it: the socket heard nothing more, for good.
  test('a refused interactive submission with megabytes of stdin leaves the socket reading', async () => {
    const client = await connect(base, 'userId=refused-interactive')
    const stdin = 'x'.repeat(3 << 20)
    client.socket.send(JSON.stringify({ type: 'submit', ref: 'bad', interactive: true, language: 'cobol', code: '', stdin }))
    client.socket.send(JSON.stringify({ type: 'submit', ref: 'slow', language: 'python', code: 'import time\ntime.sleep(2)' }))
    client.socket.send(JSON.stringify({ type: 'submit', ref: 'queued', language: 'python', code: 'print(1)' }))
    client.socket.send(JSON.stringify({ type: 'submit', ref: 'capped', interactive: true, language: 'python', code: 'print(input())', stdin }))
    client.socket.send(JSON.stringify({ type: 'submit', ref: 'after', language: 'nosuch', code: '' }))
    await waitFor('every submit answered', () => ['bad', 'slow', 'queued', 'capped', 'after'].every((ref) => client.messages.some((m) => m.ref === ref)), 20000)
    const answered = (ref: string) => client.messages.find((m) => m.ref === ref)
    expect(answered('bad').error.code).toBe('EXEC_ERR_UNKNOWN_LANGUAGE')
    expect(answered('capped').error.code).toBe('EXEC_ERR_USER_QUEUE_FULL')
    expect(answered('after').error.code).toBe('EXEC_ERR_UNKNOWN_LANGUAGE')
    await waitFor('both done', () => client.messages.filter((m) => m.type === 'done').length === 2)
    client.socket.close()
  })

  test('output arrives over the WebSocket line by line as the program prints it, before the program ends', async () => {
    const client = await connect(base, 'userId=streamer')
    const arrivals: Array<{ type: string, data?: string, at: number }> = []
    client.socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString())
      arrivals.push({ type: message.type, data: message.data, at: performance.now() })
    })
    client.socket.send(JSON.stringify({ type: 'submit', language: 'python', code: 'import time\nfor i in range(5):\n    print("line", i, flush=True)\n    time.sleep(0.1)' }))
    await waitFor('done', () => arrivals.some((arrival) => arrival.type === 'done'))
    const lines = arrivals.filter((arrival) => arrival.type === 'stdout')
    expect(lines.map((arrival) => arrival.data).join('')).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n')
    // A pipe may join two writes into one read, never all five 100 ms apart.
    expect(lines.length).toBeGreaterThanOrEqual(4)
    expect(lines[lines.length - 1].at - lines[0].at).toBeGreaterThan(300)
    expect(arrivals.find((arrival) => arrival.type === 'done')!.at - lines[0].at).toBeGreaterThan(300)
    client.socket.close()
  })

  test('a client that disconnects mid-run leaves the pool full, and its submission finishes', async () => {
    const client = await connect(base, 'userId=leaver')
    client.socket.send(JSON.stringify({ type: 'submit', language: 'python', code: 'import time\ntime.sleep(1)\nprint("finished")' }))
    await waitFor('running', () => client.messages.some((m) => m.type === 'running'))
    const id = client.messages.find((m) => m.type === 'submitted').id
    client.socket.terminate()
    expect((await resultOf(base, id)).result.run.stdout).toBe('finished\n')
    await waitFor('the pool full again', () => pool.available === 3)
  })

  test('200 submissions from 20 users over WebSockets all complete, each one\'s events in order', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, u) => connect(base, `userId=many-${u}`)))
    users.forEach((client, u) => {
      for (let i = 0; i < 10; i++) {
        client.socket.send(JSON.stringify({ type: 'submit', ref: i, language: 'python', code: `print(${u} * 100 + ${i})` }))
      }
    })
    // The cap (1 running, 1 queued per user) refuses some; a refused one is sent again once a result arrives.
    const done = new Map<number, Set<string>>()
    await waitFor('every submission done', async () => {
      for (const [u, client] of users.entries()) {
        const refused = client.messages.filter((m) => m.type === 'error' && m.error.code === 'EXEC_ERR_USER_QUEUE_FULL')
        for (const message of refused.splice(0)) {
          client.messages.splice(client.messages.indexOf(message), 1)
          await sleep(20)
          client.socket.send(JSON.stringify({ type: 'submit', ref: message.ref, language: 'python', code: `print(${u} * 100 + ${message.ref})` }))
        }
        done.set(u, new Set(client.messages.filter((m) => m.type === 'done').map((m) => m.id)))
      }
      return [...done.values()].every((ids) => ids.size === 10)
    }, 150000)
    for (const [u, client] of users.entries()) {
      const submitted = client.messages.filter((m) => m.type === 'submitted')
      expect(submitted.map((m) => m.ref).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      for (const { id, ref } of submitted) {
        const events = client.messages.filter((m) => m.id === id && m.type !== 'submitted')
        expect(events.map((m) => m.type)).toEqual(['queued', 'running', 'stdout', 'done'])
        expect(events[2].data).toBe(`${u * 100 + ref}\n`)
        expect(events[3].result.run.stdout).toBe(`${u * 100 + ref}\n`)
      }
      client.socket.close()
    }
  })
})

describe('submission metrics', () => {
  const { app, pool } = appWith('e2e-submissions-metrics', { submissions: { maxRunningPerUser: 1, maxQueuedPerUser: 0 } })
  let base = ''
  beforeAll(async () => { base = await listenAndFill(app, pool, 3) })
  afterAll(async () => { await app.close() })

  test('gauges of queued and running submissions and of WebSockets, their times, and rejections by reason', async () => {
    const value = async (line: RegExp) => Number(line.exec((await call(base, { url: '/metrics' })).text)?.[1] ?? NaN)
    const client = await connect(base, 'userId=metered')
    const first = await post(base, '/api/v1/submissions', { language: 'python', code: 'import time\ntime.sleep(1)', userId: 'metered' })
    expect((await post(base, '/api/v1/submissions', { language: 'python', code: '', userId: 'metered' })).statusCode).toBe(429)
    await waitFor('running', async () => (await get(base, `/api/v1/submissions/${first.body.id}`)).body.state === 'running')
    expect(await value(/^codeexec_submissions\{state="running"\} (\d+)$/m)).toBe(1)
    expect(await value(/^codeexec_websocket_connections (\d+)$/m)).toBe(1)
    await resultOf(base, first.body.id)
    expect(await value(/^codeexec_submissions\{state="running"\} (\d+)$/m)).toBe(0)
    expect(await value(/^codeexec_submission_wait_seconds_count (\d+)$/m)).toBe(1)
    expect(await value(/^codeexec_submission_duration_seconds_count (\d+)$/m)).toBe(1)
    expect(await value(/^codeexec_requests_rejected_total\{reason="user_cap"\} (\d+)$/m)).toBe(1)
    client.socket.close()
    await client.closed
    await waitFor('the socket counted out', async () => await value(/^codeexec_websocket_connections (\d+)$/m) === 0)
  })
})

describe('a WebSocket client that stops reading', () => {
  const { app, pool, metrics } = appWith('e2e-submissions-slow', {
    websocket: { maxBufferedBytes: 1024 * 1024 },
    limits: { max: { run: { outputBytes: 64 * 1024 * 1024 } } },
    // The agent holds a result's output once, as it read it: the reserve the config check asks for 64 MiB a stream.
    runner: { agentReserveBytes: 200 * 1024 * 1024 }
  })
  let base = ''
  beforeAll(async () => { base = await listenAndFill(app, pool, 3) })
  afterAll(async () => { await app.close() })

  test('is cut off (1013) while its program prints 50 MB, instead of its events piling up in the proxy; the program runs to the end', async () => {
    const client = await connect(base, 'userId=sleepy')
    const code = 'import sys\nline = "x" * 65535 + "\\n"\nfor _ in range(800):\n    sys.stdout.write(line)'
    client.socket.send(JSON.stringify({ type: 'submit', language: 'python', code, limits: { run: { outputBytes: 60 * 1024 * 1024, timeoutMs: 15000 } } }))
    await waitFor('submitted', () => client.messages.some((m) => m.type === 'submitted'))
    const id = client.messages.find((m) => m.type === 'submitted').id
    client.socket.pause()
    // The proxy gives up on the socket once a megabyte waits unread, long before the program is done...
    await waitFor('the socket dropped', async () => /^codeexec_websockets_dropped_total 1$/m.test(await metrics.registry.getSingleMetricAsString('codeexec_websockets_dropped_total')))
    expect(client.messages.some((m) => m.type === 'done')).toBe(false)
    // ...and a client that reads again finds what was buffered, then the close, and no more.
    client.socket.resume()
    expect(await client.closed).toBe(1013)
    expect(client.messages.some((m) => m.type === 'done')).toBe(false)
    const view = await resultOf(base, id)
    expect(view.result.status).toBe('ok')
    expect(view.result.run.stdout.length).toBe(800 * 65536)
    await waitFor('the pool full again', () => pool.available === 3)
  })
})

describe('submissions with API keys', () => {
  const { app, pool } = appWith('e2e-submissions-keys', { auth: { keys: { [KEY_ALICE]: 'alice', [KEY_BOB]: 'bob' } } })
  let base = ''
  beforeAll(async () => { base = await listenAndFill(app, pool, 3) })
  afterAll(async () => { await app.close() })

  test('a key is required, its user is the submission\'s, and another user can read neither it nor its events', async () => {
    const program = { language: 'python', code: 'print("secret")' }
    expect((await post(base, '/api/v1/submissions', program)).statusCode).toBe(401)
    expect((await post(base, '/api/v1/submissions', program, { 'x-api-key': 'wrong-key-0123456789' })).body.error).toEqual({ code: 'EXEC_ERR_UNAUTHORIZED', message: 'the API key is not known' })
    expect((await post(base, '/api/v1/execute', program)).statusCode).toBe(401)
    expect((await post(base, '/api/v1/submissions', { ...program, userId: 'bob' }, { 'x-api-key': KEY_ALICE })).statusCode).toBe(403)

    const bob = await connect(base, `apiKey=${KEY_BOB}`)
    const alice = await connect(base, `apiKey=${KEY_ALICE}`)
    const { statusCode, body } = await post(base, '/api/v1/submissions', program, { authorization: `Bearer ${KEY_ALICE}` })
    expect(statusCode).toBe(202)
    expect((await resultOf(base, body.id, { 'x-api-key': KEY_ALICE })).result.run.stdout).toBe('secret\n')
    expect(await get(base, `/api/v1/submissions/${body.id}`, { 'x-api-key': KEY_BOB })).toMatchObject({ statusCode: 404, body: { error: { code: 'EXEC_ERR_SUBMISSION_NOT_FOUND' } } })
    await waitFor('alice\'s events', () => alice.messages.some((m) => m.type === 'done'))
    expect(alice.messages.map((m) => m.type)).toEqual(['queued', 'running', 'stdout', 'done'])
    expect(bob.messages).toEqual([])
    alice.socket.close()
    bob.socket.close()

    for (const path of ['/api/v1/ws', '/api/v2/connect']) {
      const refused = new WebSocket(`${base.replace('http', 'ws')}${path}`)
      const status = await new Promise((resolve) => refused.on('unexpected-response', (_request, response) => resolve(response.statusCode)))
      expect([path, status]).toEqual([path, 401])
    }
    // Piston's interactive socket with a key: the job runs.
    const piston = new WebSocket(`${base.replace('http', 'ws')}/api/v2/connect?apiKey=${KEY_BOB}`)
    const heard: any[] = []
    piston.on('message', (data) => heard.push(JSON.parse(data.toString())))
    piston.on('open', () => piston.send(JSON.stringify({ type: 'init', language: 'python', version: '*', files: [{ content: 'print("ok")' }] })))
    expect(await new Promise((resolve) => piston.on('close', resolve))).toBe(4999)
    expect(heard.filter((m) => m.type === 'data')).toEqual([{ type: 'data', stream: 'stdout', data: 'ok\n' }])
  })
})
