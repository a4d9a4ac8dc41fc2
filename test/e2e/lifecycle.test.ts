import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { call, containersOf, realApp, sleep, testConfig, waitFor } from '../helpers/docker'
import { startProxy as startOne, type ProxyProcess } from '../helpers/proxy-process'

jest.setTimeout(180000)
const POOL = 'e2e-life'
const SERVER = resolve(__dirname, '../../dist/proxy/src/server.js')
const BYSTANDER = 'e2e-bystander'
const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'))
const configPath = join(dir, 'pool.config.json')
writeFileSync(configPath, JSON.stringify({ poolName: POOL, pool: { min: 2, max: 2 } }))

// Another pool on the same engine, which neither proxy may touch.
const bystander = realApp(testConfig(BYSTANDER, { min: 1, max: 1 }))
let bystanderContainers: string[] = []
let port = 3300 + Math.floor(Math.random() * 500)

async function startProxy (config = configPath): Promise<ProxyProcess> {
  port++
  return await startOne(config, port)
}

beforeAll(async () => {
  await bystander.pool.start()
  await waitFor('the bystander pool', () => bystander.pool.ready === 1)
  bystanderContainers = await containersOf(BYSTANDER)
  expect(bystanderContainers).toHaveLength(1)
})
afterAll(async () => {
  await bystander.app.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('proxy process lifecycle', () => {
  test('the proxy answers through its pool, and SIGTERM leaves no container of its pool', async () => {
    const proxy = await startProxy()
    expect(await containersOf(POOL)).toHaveLength(2)
    const answer = await call(proxy.base, { url: '/api/v1/execute', payload: { language: 'c', code: '#include <stdio.h>\nint main(){puts("up");}' } })
    expect(answer.json()).toMatchObject({ status: 'ok', run: { stdout: 'up\n' } })

    proxy.child.kill('SIGTERM')
    expect(await proxy.exited).toBe(0)
    expect(await containersOf(POOL)).toEqual([])
    expect(await containersOf(BYSTANDER)).toEqual(bystanderContainers)
  })

  test('SIGTERM waits for a job in flight to finish before removing the runners', async () => {
    const proxy = await startProxy()
    const inFlight = call(proxy.base, { url: '/api/v1/execute', payload: { language: 'python', code: 'import time\ntime.sleep(1)\nprint("finished")' } })
    await sleep(300)
    proxy.child.kill('SIGTERM')
    const answer = await inFlight
    expect(answer.json()).toMatchObject({ status: 'ok', run: { stdout: 'finished\n' } })
    expect({ code: await proxy.exited, output: proxy.output() }).toEqual({ code: 0, output: '' })
    expect(await containersOf(POOL)).toEqual([])
  })

  // Issue 14, defect 1: the pool's provider stopped before it drained; a runner removed while requests
  // waited had generic-pool create one, which the stopped provider refused at once, and again: a loop of
  // microtasks at 100% CPU that never exited.
  test('SIGTERM while a submission waits for the runner being made for it: the proxy exits', async () => {
    // No runner at first: the submission's wait makes one, and SIGTERM comes while it starts. The pool's
    // provider stops, the start fails, generic-pool asks for another for the waiting submission... (a
    // runner a job has just taken down, with jobs waiting, led there too).
    const empty = join(dir, 'empty.json')
    writeFileSync(empty, JSON.stringify({ poolName: POOL, pool: { min: 0, max: 1 } }))
    const proxy = await startProxy(empty)
    // A submission, unlike an HTTP request, does not hold the server's close back: the pool closes while it waits.
    const submitted = await call(proxy.base, { url: '/api/v1/submissions', payload: { language: 'python', code: 'print(1)', userId: 'u' } })
    expect(submitted.statusCode).toBe(202)
    proxy.child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'still running'>((resolve) => { timer = setTimeout(() => resolve('still running'), 30000) })
    const exit = await Promise.race([proxy.exited, late])
    clearTimeout(timer)
    if (exit === 'still running') proxy.child.kill('SIGKILL')
    expect({ exit, output: proxy.output() }).toEqual({ exit: 0, output: '' })
    expect(await containersOf(POOL)).toEqual([])
  })

  test("a proxy started after another was SIGKILLed removes that one's leftovers, and only those", async () => {
    const crashed = await startProxy()
    const leftovers = await containersOf(POOL)
    expect(leftovers).toHaveLength(2)
    crashed.child.kill('SIGKILL')
    await crashed.exited
    expect(await containersOf(POOL)).toEqual(leftovers)

    const next = await startProxy()
    const now = await containersOf(POOL)
    expect(now).toHaveLength(2)
    for (const id of leftovers) expect(now).not.toContain(id)
    expect(await containersOf(BYSTANDER)).toEqual(bystanderContainers)

    next.child.kill('SIGTERM')
    expect(await next.exited).toBe(0)
    expect(await containersOf(POOL)).toEqual([])
    expect(await containersOf(BYSTANDER)).toEqual(bystanderContainers)
  })

  test('an invalid config stops the start with every problem listed', async () => {
    const badPath = join(dir, 'bad.json')
    writeFileSync(badPath, JSON.stringify({ pool: { min: 'many' }, runner: { imag: 'x' } }))
    const child = spawn(process.execPath, [SERVER], { env: { ...process.env, POOL_CONFIG: badPath }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => { stderr += chunk })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toMatch(/pool\.min/)
    expect(stderr).toMatch(/runner\.imag/)
  })
})
