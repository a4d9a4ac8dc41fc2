import { parseConfig } from '../../proxy/src/config'
import { call, containersOf, docker, listenAndFill, realApp, waitFor } from '../helpers/docker'
import { open } from '../helpers/socket-client'

// Issue 13: how many jobs run at once is pool.maxRunning, apart from the runners; the wait for a slot is
// queue time, never the program's; an interactive session takes a seat, not a slot.
jest.setTimeout(120000)

const { app, pool } = realApp(parseConfig({ poolName: 'e2e-slots', pool: { min: 3, max: 3, maxRunning: 1, maxInteractive: 1 } }))
let base = ''
beforeAll(async () => { base = await listenAndFill(app, pool, 3) })
afterAll(async () => { await app.close() })

const execute = async (code: string) => (await call(base, { url: '/api/v1/execute', payload: { language: 'python', code } })).json()

test('with one slot and idle runners, a second job waits for the slot, and that wait is its queueMs', async () => {
  const first = execute('import time\ntime.sleep(1.5)\nprint("first")')
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect(pool.running).toBe(1)
  expect(pool.available).toBe(2)
  const second = await execute('print("second")')
  expect(second).toMatchObject({ status: 'ok', run: { stdout: 'second\n' } })
  expect(second.timing.queueMs).toBeGreaterThan(1000)
  // The program itself ran as fast as ever: the wait is not on its clock.
  expect(second.run.wallMs).toBeLessThan(1000)
  expect((await first).status).toBe('ok')
})

test('an interactive session idle for 10 s holds a seat, not the slot: batch jobs run meanwhile', async () => {
  const client = await open(`${base.replace('http', 'ws')}/api/v1/ws?userId=idler`)
  client.send({ type: 'submit', ref: 1, interactive: true, language: 'python', code: 'print("ready", flush=True)\nprint("got", input())', limits: { run: { timeoutMs: 15000 } } })
  const { id } = await client.next((m) => m.type === 'submitted')
  await client.next((m) => m.type === 'stdout' && m.data === 'ready\n')
  expect(pool.interactive).toBe(1)
  expect(pool.running).toBe(0)
  const idleUntil = Date.now() + 10000
  let batches = 0
  while (Date.now() < idleUntil) {
    const answer = await execute(`print(${batches})`)
    expect(answer).toMatchObject({ status: 'ok', run: { stdout: `${batches}\n` } })
    expect(answer.timing.queueMs).toBeLessThan(1000)
    batches++
  }
  expect(batches).toBeGreaterThan(10)

  // The one seat is taken: a second session waits for it, though a runner is free.
  client.send({ type: 'submit', ref: 2, interactive: true, language: 'python', code: 'print("second")' })
  const second = (await client.next((m) => m.type === 'submitted' && m.ref === 2)).id
  await new Promise((resolve) => setTimeout(resolve, 1000))
  expect(client.messages.some((m) => m.type === 'running' && m.id === second)).toBe(false)
  expect(pool.available).toBeGreaterThan(0)

  client.send({ type: 'stdin', id, data: 'late\n' })
  const done = await client.next((m) => m.type === 'done' && m.id === id)
  expect(done.result).toMatchObject({ status: 'ok', run: { stdout: 'ready\ngot late\n' } })
  const secondDone = await client.next((m) => m.type === 'done' && m.id === second)
  expect(secondDone.result).toMatchObject({ status: 'ok', run: { stdout: 'second\n' } })
  expect(pool.interactive).toBe(0)
  client.socket.close()
})

test('a backlog of batch jobs waiting for the slot does not keep an interactive session from a runner', async () => {
  const backlog = Array.from({ length: 5 }, async (_, n) => await execute(`import time\ntime.sleep(0.8)\nprint(${n})`))
  await new Promise((resolve) => setTimeout(resolve, 300))
  // Batch jobs hold the runners the one seat leaves (2 of 3), one running and one waiting for the slot.
  expect(pool.borrowed).toBe(2)
  const client = await open(`${base.replace('http', 'ws')}/api/v1/ws?userId=newcomer`)
  const sent = Date.now()
  client.send({ type: 'submit', ref: 1, interactive: true, language: 'python', code: 'print("here")' })
  const done = await client.next((m) => m.type === 'done')
  expect(done.result).toMatchObject({ status: 'ok', run: { stdout: 'here\n' } })
  // Long before the backlog's 4 s on the one slot is through.
  expect(Date.now() - sent).toBeLessThan(2500)
  client.socket.close()
  for (const answer of await Promise.all(backlog)) expect(answer.status).toBe('ok')
})

test("an interactive session's runner weighs an eighth of a batch job's on the CPU, and goes back to the pool at full weight", async () => {
  const weights = async () => await Promise.all((await containersOf('e2e-slots')).map(async (id) => (await docker.getContainer(id).inspect()).HostConfig.CpuShares ?? 0))
  const client = await open(`${base.replace('http', 'ws')}/api/v1/ws?userId=weighed`)
  client.send({ type: 'submit', ref: 1, interactive: true, language: 'python', code: 'print("ready", flush=True)\ninput()' })
  const { id } = await client.next((m) => m.type === 'submitted')
  await client.next((m) => m.type === 'stdout' && m.data === 'ready\n')
  // Docker reports a weight never changed as 0 (its default, 1024).
  const during = await weights()
  expect(during.filter((shares) => shares === 128)).toHaveLength(1)
  expect(during.filter((shares) => shares === 0 || shares === 1024)).toHaveLength(2)
  client.send({ type: 'eof', id })
  await client.next((m) => m.type === 'done')
  client.socket.close()
  // Restored before it is idle again, so a batch job finds every runner at full weight.
  await waitFor('the runner back in the pool', () => pool.available === 3)
  expect((await weights()).every((shares) => shares === 0 || shares === 1024)).toBe(true)
  expect(await execute('print(1)')).toMatchObject({ status: 'ok' })
})
