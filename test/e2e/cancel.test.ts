import { parseConfig } from '../../proxy/src/config'
import { call, containersOf, listenAndFill, realApp } from '../helpers/docker'
import { open, type Client } from '../helpers/socket-client'

// Issue 19: a submission cancelled over the socket or by POST, on real containers: one running is stopped by
// its runner (which stays and serves the next job), one queued never runs, a judge ends at the test it stopped.
jest.setTimeout(180000)
const POOL = 'e2e-cancel'

describe('cancelling submissions', () => {
  const { app, pool } = realApp(parseConfig({ poolName: POOL, pool: { min: 1, max: 1, acquireTimeoutMs: 60000 } }))
  let base = ''
  let client: Client
  beforeAll(async () => {
    base = await listenAndFill(app, pool, 1)
    client = await open(`${base.replace('http', 'ws')}/api/v1/ws?userId=canceller`)
  })
  afterAll(async () => {
    client?.socket.close()
    await app.close()
  })

  let ref = 0
  /** Submits over the socket; resolves with the submission's id. */
  const submit = async (body: object): Promise<string> => {
    const mine = ++ref
    client.send({ type: 'submit', ref: mine, ...body })
    const answer = await client.next((message) => message.ref === mine)
    if (answer.type !== 'submitted') throw new Error(JSON.stringify(answer))
    return answer.id
  }
  const done = (id: string) => client.next((message) => message.type === 'done' && message.id === id)
  const eventsOf = (id: string) => client.messages.filter((message) => message.id === id).map((message) => message.type)

  test('a running one is killed at once, keeps what it printed, ends cancelled; its runner stays and runs the next', async () => {
    const runners = await containersOf(POOL)
    const id = await submit({ language: 'bash', code: 'echo ready; sleep 30; echo never', limits: { run: { timeoutMs: 15000 } } })
    await client.next((message) => message.type === 'stdout' && message.id === id)
    const asked = performance.now()
    client.send({ type: 'cancel', id })
    const { result } = await done(id)
    expect(performance.now() - asked).toBeLessThan(5000)
    expect(result).toMatchObject({ status: 'cancelled', message: 'cancelled by its maker', run: { stdout: 'ready\n', signal: 'SIGKILL' } })
    expect(eventsOf(id)).toEqual(['queued', 'submitted', 'running', 'stdout', 'done'])

    const next = await submit({ language: 'bash', code: 'echo next' })
    expect((await done(next)).result).toMatchObject({ status: 'ok', run: { stdout: 'next\n' } })
    expect(await containersOf(POOL)).toEqual(runners)
  })

  test('one queued behind another never runs and is done at once; a second cancel and an unknown id are told apart', async () => {
    const busy = await submit({ language: 'bash', code: 'sleep 2; echo busy' })
    const queued = await submit({ language: 'bash', code: 'echo never' })
    client.send({ type: 'cancel', id: queued })
    expect((await done(queued)).result).toMatchObject({ status: 'cancelled', compile: null, run: null })
    expect(eventsOf(queued)).toEqual(['queued', 'submitted', 'done'])
    expect((await done(busy)).result).toMatchObject({ status: 'ok', run: { stdout: 'busy\n' } })

    client.send({ type: 'cancel', ref: 'again', id: queued })
    const again = await client.next((message) => message.ref === 'again')
    expect(again.error).toEqual({
      code: 'EXEC_ERR_INVALID_FIELD', message: `id must be the id of a submission made on this connection and not done yet, got "${queued}"`
    })
  })

  test('a judge stopped in its second test: the first keeps its verdict, the rest are skipped, the verdict is cancelled', async () => {
    const tests = ['1', '2', '3'].map((n) => ({ stdin: `${n}\n`, expectedOutput: `${n}\n` }))
    const id = await submit({ language: 'bash', code: 'read x\nif [ "$x" = 2 ]; then sleep 30; fi\necho "$x"', tests, limits: { run: { timeoutMs: 15000 } } })
    await client.next((message) => message.type === 'test' && message.id === id && message.index === 0)
    client.send({ type: 'cancel', id })
    const { result } = await done(id)
    expect(result.verdict).toBe('cancelled')
    expect(result.tests.map((test: any) => test.verdict)).toEqual(['accepted', 'skipped', 'skipped'])
    expect(result.summary).toMatchObject({ passed: 1, total: 3 })
  })

  test('POST /api/v1/submissions/:id/cancel does the same over HTTP; an unknown id is a 404', async () => {
    const made = await call(base, { method: 'POST', url: '/api/v1/submissions', payload: { language: 'bash', code: 'echo up; sleep 30', userId: 'http' } })
    const { id } = made.json()
    for (let tries = 0; tries < 200; tries++) {
      const view = (await call(base, { url: `/api/v1/submissions/${id}` })).json()
      if (view.state === 'running') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const cancelled = await call(base, { method: 'POST', url: `/api/v1/submissions/${id}/cancel` })
    expect(cancelled.statusCode).toBe(200)
    expect(cancelled.json()).toMatchObject({ id })
    let view: any
    for (let tries = 0; tries < 200; tries++) {
      view = (await call(base, { url: `/api/v1/submissions/${id}` })).json()
      if (view.state === 'done') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(view.result).toMatchObject({ status: 'cancelled', run: { signal: 'SIGKILL' } })
    const unknown = await call(base, { method: 'POST', url: '/api/v1/submissions/no-such-id/cancel' })
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'EXEC_ERR_SUBMISSION_NOT_FOUND'])
  })
})
