import { call, realApp, sleep, testConfig, waitFor, listenAndFill } from '../helpers/docker'

jest.setTimeout(120000)
// One runner, one waiting place, a short wait: the queue's two refusals are easy to reach.
const { app, pool } = realApp(testConfig('e2e-queue', { min: 1, max: 1, maxWaitingRequests: 1, acquireTimeoutMs: 1500 }))
let base = ''

beforeAll(async () => {
  base = await listenAndFill(app, pool, 1)
})
afterAll(async () => { await app.close() })

const execute = (code: string) => call(base, { url: '/api/v1/execute', payload: { language: 'python', code, limits: { run: { timeoutMs: 8000 } } } })

test('a full queue is a 429 and a wait that times out is a 503, both with Retry-After; the busy job is unharmed', async () => {
  const busy = execute('import time\ntime.sleep(4)\nprint("busy")')
  await waitFor('the runner to be taken', () => pool.borrowed === 1)
  const waiting = execute('print("waited")')
  await waitFor('a request waiting', () => pool.pending === 1)

  const refused = await execute('print("refused")')
  expect(refused.statusCode).toBe(429)
  expect(refused.headers['retry-after']).toBe('1')
  expect(refused.json()).toEqual({ error: { code: 'EXEC_ERR_QUEUE_FULL', message: 'the service is busy and 1 requests are waiting already; retry later' } })

  const timedOut = await waiting
  expect(timedOut.statusCode).toBe(503)
  expect(timedOut.headers['retry-after']).toBe('1')
  expect(timedOut.json()).toEqual({ error: { code: 'EXEC_ERR_QUEUE_TIMEOUT', message: 'no runner or CPU slot became free within 1500 ms; retry later' } })

  const done = await busy
  expect(done.json()).toMatchObject({ status: 'ok', run: { stdout: 'busy\n' } })
  await sleep(100)
  expect((await execute('print("after")')).json()).toMatchObject({ status: 'ok', run: { stdout: 'after\n' } })
})

// Issue 14, defect 3: a submission retried a full or timed-out pool queue every 250 ms, counting a refusal
// each time, and went to the back of the queue each time.
test('a submission waits for a runner past acquireTimeoutMs in its place, and no refusal is counted for it', async () => {
  const refusals = async () => {
    const text = (await call(base, { url: '/metrics' })).text
    return [...text.matchAll(/^codeexec_requests_rejected_total\{reason="\w+"\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0)
  }
  const before = await refusals()
  const busy = execute('import time\ntime.sleep(4)\nprint("busy")')
  await waitFor('the runner to be taken', () => pool.borrowed === 1)
  const submitted = await call(base, { method: 'POST', url: '/api/v1/submissions', payload: { language: 'python', code: 'print("patient")', userId: 'u' } })
  expect(submitted.statusCode).toBe(202)
  const { id } = submitted.json()
  expect((await busy).json()).toMatchObject({ status: 'ok' })
  let view: any
  await waitFor('the submission done', async () => {
    view = (await call(base, { url: `/api/v1/submissions/${id}` })).json()
    return view.state === 'done'
  })
  expect(view.result).toMatchObject({ status: 'ok', run: { stdout: 'patient\n' } })
  // It waited over twice acquireTimeoutMs, in one piece.
  expect(view.result.timing.queueMs).toBeGreaterThan(2500)
  expect(await refusals()).toBe(before)
})
