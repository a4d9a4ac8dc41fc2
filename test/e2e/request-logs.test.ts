import { Writable } from 'node:stream'
import pino from 'pino'
import { buildApp } from '../../proxy/src/app'
import { Metrics } from '../../proxy/src/metrics'
import { DockerProvider } from '../../proxy/src/pool/docker-provider'
import { RunnerPool } from '../../proxy/src/pool/runner-pool'
import { call, testConfig, waitFor, listenAndFill } from '../helpers/docker'

jest.setTimeout(120000)
const lines: any[] = []
const sink = new Writable({
  write (chunk, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line))
    done()
  }
})
const logger = pino({ level: 'info' }, sink)
const config = testConfig('e2e-logs', { min: 1, max: 1, maxUsesPerRunner: 1 })
const metrics = new Metrics({ defaultMetrics: false })
const pool = new RunnerPool(new DockerProvider(config, logger, metrics), config.pool, logger, metrics)
const app = buildApp({ config, pool, metrics, loggerInstance: logger })
let base = ''

beforeAll(async () => {
  base = await listenAndFill(app, pool, 1)
})
afterAll(async () => { await app.close() })

test('one JSON line per request with its execution, one per runner start and removal, and no user code or output', async () => {
  const secret = 'TOP-SECRET-4711'
  const answer = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: `print("${secret}")`, stdin: secret } })
  expect(answer.json().run.stdout).toBe(`${secret}\n`)
  await waitFor('the replacement runner (max uses 1)', () => pool.ready === 1 && lines.some((l) => l.msg === 'runner removed'))

  const requests = lines.filter((line) => line.msg === 'request')
  expect(requests).toHaveLength(1)
  expect(requests[0]).toMatchObject({
    reqId: expect.any(String),
    method: 'POST',
    url: '/api/v1/execute',
    statusCode: 200,
    language: 'python',
    status: 'ok',
    queueMs: expect.any(Number),
    runner: expect.stringMatching(/^[0-9a-f]{12}$/),
    durationMs: expect.any(Number)
  })
  expect(lines.filter((line) => line.msg === 'runner started').length).toBeGreaterThanOrEqual(2)
  expect(lines.find((line) => line.msg === 'runner removed')).toMatchObject({ reason: 'max_uses', runner: requests[0].runner })
  expect(JSON.stringify(lines)).not.toContain(secret)
})
