import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { buildApp } from '../../proxy/src/app'
import { Metrics } from '../../proxy/src/metrics'
import { DockerProvider } from '../../proxy/src/pool/docker-provider'
import { RunnerPool } from '../../proxy/src/pool/runner-pool'
import { call, containersOf, docker, sleep, testConfig, waitFor } from '../helpers/docker'
import { EngineLink } from '../helpers/engine-link'

// Faults of the engine and the image (issue 12), on the real engine: the engine away and back, a runner
// told to stop, the image missing at start and gone later.
jest.setTimeout(240000)
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

function poolOver (name: string, size: number, change: (config: ReturnType<typeof testConfig>) => void = () => {}) {
  const config = testConfig(name, { min: size, max: size })
  change(config)
  const metrics = new Metrics()
  const provider = new DockerProvider(config, logger, metrics)
  // A slow eviction, so that runners known dead are removed while the engine is away, not before.
  const pool = new RunnerPool(provider, { ...config.pool, evictionIntervalMs: 2000 }, logger, metrics)
  const app = buildApp({ config, pool, metrics, loggerInstance: logger })
  return { config, metrics, provider, pool, app, socketDirs: () => readdirSync(join(config.runner.socketDir, name)).sort() }
}

describe('the engine goes away and comes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-link-'))
  const link = new EngineLink(join(dir, 'docker.sock'))
  const { app, pool, socketDirs } = poolOver('e2e-engine-away', 3, (config) => { config.docker.socketPath = link.path; config.docker.timeoutMs = 5000 })

  afterAll(async () => {
    await link.up().catch(() => {})
    await app.close()
    await link.down()
    rmSync(dir, { recursive: true, force: true })
  })

  test('runners that died meanwhile, and could not be removed then, are removed once it is back: no leftovers', async () => {
    await link.up()
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    await pool.start()
    await waitFor('3 runners', () => pool.ready === 3)
    const before = await containersOf('e2e-engine-away')
    expect(before).toHaveLength(3)

    // The engine stops: its containers die (the pool hears of it), then it is gone.
    await Promise.all(before.map((id) => docker.getContainer(id).kill()))
    await sleep(300)
    await link.down()
    // Meanwhile the pool removes its dead runners, and cannot: the engine is away.
    await sleep(4000)
    expect(pool.ready).toBe(0)

    await link.up()
    await waitFor('3 runners again', () => pool.ready === 3, 60000)
    await waitFor('no container but the live runners\'', async () => (await containersOf('e2e-engine-away')).length === 3, 30000)
    const after = await containersOf('e2e-engine-away')
    for (const id of after) expect((await docker.getContainer(id).inspect()).State.Running).toBe(true)
    expect(after.some((id) => before.includes(id))).toBe(false)
    await waitFor('a socket directory per live runner', () => socketDirs().length === 3, 30000)
    const answer = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'print("back")' } })
    expect(answer.json()).toMatchObject({ status: 'ok', run: { stdout: 'back\n' } })
  })
})

describe('the engine away while jobs run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-link-'))
  const link = new EngineLink(join(dir, 'docker.sock'))
  // One runner: the next job can only go to it.
  const { app, pool, metrics } = poolOver('e2e-engine-jobs', 1, (config) => {
    config.docker.socketPath = link.path
    config.docker.timeoutMs = 5000
  })
  let base = ''

  beforeAll(async () => {
    await link.up()
    base = await app.listen({ port: 0, host: '127.0.0.1' })
    await pool.start()
    await waitFor('the runner', () => pool.ready === 1)
  })
  afterAll(async () => {
    await link.up().catch(() => {})
    await app.close()
    await link.down()
    rmSync(dir, { recursive: true, force: true })
  })

  const execute = (payload: object) => call(base, { url: '/api/v1/execute', payload: { language: 'python', ...payload } })
  const removals = async () => {
    const text = await metrics.registry.getSingleMetricAsString('codeexec_runner_removals_total')
    return text.split('\n').filter((line) => line.startsWith('codeexec_runner_removals_total{')).reduce((sum, line) => sum + Number(line.split(' ')[1]), 0)
  }

  // Issue 14, defect 7: the healthy runner was removed as crashed, and the engine's failure counted as the runner's.
  test("a job whose runner the engine cannot resize is an internal error; the runner was not at fault and stays", async () => {
    const removedBefore = await removals()
    await link.down()
    const answer = await execute({ code: 'print("big")', limits: { run: { memoryBytes: 1024 * 1024 * 1024 } } })
    expect(answer.statusCode).toBe(200)
    expect(answer.json()).toMatchObject({ status: 'internal_error', message: expect.stringMatching(/^the engine failed to prepare the runner: docker update of runner/) })
    expect(await metrics.registry.getSingleMetricAsString('codeexec_engine_errors_total')).toMatch(/^codeexec_engine_errors_total\{operation="update"\} 1$/m)
    expect(await metrics.registry.getSingleMetricAsString('codeexec_upstream_errors_total')).not.toMatch(/^codeexec_upstream_errors_total\{/m)
    await link.up()
    expect((await execute({ code: 'print("fine")' })).json()).toMatchObject({ status: 'ok', run: { stdout: 'fine\n' } })
    expect(await removals()).toBe(removedBefore)
    expect(pool.ready).toBe(1)
  })

  // Issue 14, defect 6: deaths were known only from the engine's events; one while the stream was down
  // left a dead runner in the pool, and the next job it got was an internal error.
  test('a runner that dies while the engine\'s events cannot reach the proxy is never handed a job', async () => {
    const containers = await containersOf('e2e-engine-jobs')
    expect(containers).toHaveLength(1)
    await link.down()
    await sleep(300)
    await docker.getContainer(containers[0]).kill()
    await sleep(500)
    const answer = execute({ code: 'print("on a live runner")' })
    await sleep(2000)
    await link.up()
    expect((await answer).json()).toMatchObject({ status: 'ok', run: { stdout: 'on a live runner\n' } })
    await waitFor('a runner again', () => pool.ready === 1, 60000)
  })
})

describe('a runner told to stop', () => {
  const { app, pool } = poolOver('e2e-runner-stop', 1)
  afterAll(async () => { await app.close() })

  test('its agent exits at once on SIGTERM: docker stop takes well under its 10 s grace', async () => {
    await pool.start()
    await waitFor('1 runner', () => pool.ready === 1)
    const [id] = await containersOf('e2e-runner-stop')
    const started = Date.now()
    await docker.getContainer(id).stop({ t: 10 })
    expect(Date.now() - started).toBeLessThan(5000)
    expect((await docker.getContainer(id).inspect()).State.ExitCode).toBe(0)
  })
})

describe('the runner image', () => {
  test('missing at start: the proxy says which image and how to build it, and exits with status 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'missing-image-'))
    const configPath = join(dir, 'pool.config.json')
    writeFileSync(configPath, JSON.stringify({ poolName: 'e2e-no-image', runner: { image: 'codeexec-runner:no-such-tag' } }))
    const run = spawnSync(process.execPath, [join(__dirname, '../../dist/proxy/src/server.js')], {
      env: { ...process.env, POOL_CONFIG: configPath, PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 30000
    })
    rmSync(dir, { recursive: true, force: true })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('the runner image codeexec-runner:no-such-tag does not exist: build it with "npm run setup"')
  })

  test('gone later: starts back off (few attempts, counted with their reason), and the pool refills once it is back', async () => {
    const tag = 'codeexec-runner:e2e-image-gone'
    await docker.getImage('codeexec-runner:latest').tag({ repo: 'codeexec-runner', tag: 'e2e-image-gone' })
    const { app, pool, metrics } = poolOver('e2e-image-gone', 8, (config) => { config.runner.image = tag })
    try {
      await pool.start()
      await waitFor('8 runners', () => pool.ready === 8)
      await docker.getImage(tag).remove()
      // Every runner dies: the pool must make 8 new ones, from an image that is not there.
      await Promise.all((await containersOf('e2e-image-gone')).map((id) => docker.getContainer(id).kill()))
      await sleep(8000)
      const failures = (await metrics.runnerStartFailures.get()).values.find((v) => v.labels.reason === 'image_missing')?.value ?? 0
      // One attempt at a time, 0.25, 0.5, 1, 2, 4 s apart: about 6 in 8 s, where 8 runners each retrying
      // on their own made about 50.
      expect(failures).toBeGreaterThanOrEqual(2)
      expect(failures).toBeLessThanOrEqual(10)
      expect(pool.ready).toBe(0)

      await docker.getImage('codeexec-runner:latest').tag({ repo: 'codeexec-runner', tag: 'e2e-image-gone' })
      await waitFor('8 runners again', () => pool.ready === 8, 60000)
    } finally {
      await app.close()
      await docker.getImage(tag).remove().catch(() => {})
    }
  })
})
