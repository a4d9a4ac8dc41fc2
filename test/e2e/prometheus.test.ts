import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { call, realApp, testConfig, waitFor } from '../helpers/docker'
import { RedisServer } from '../helpers/redis-server'

// A real Prometheus (Debian's package) scrapes a live proxy through a short bounded load; then every
// query of the dashboard and of the README must return data.
jest.setTimeout(300000)
const ROOT = resolve(__dirname, '../..')
const PROMETHEUS = '/usr/bin/prometheus'
if (process.env.CI && !existsSync(PROMETHEUS)) throw new Error('CI runs the Prometheus test, and /usr/bin/prometheus is missing')
const describeIf = existsSync(PROMETHEUS) ? describe : describe.skip

function freePort (): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Every PromQL expression of the dashboard JSON and of the README's promql blocks. */
export function dashboardQueries (): string[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/codeexec.json'), 'utf8'))
  const fromDashboard = dashboard.panels.flatMap((panel: { targets: Array<{ expr: string }> }) => panel.targets.map((target) => target.expr))
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const fromReadme = [...readme.matchAll(/```promql\n([\s\S]*?)```/g)].flatMap((block) => block[1].split('\n').filter((line) => line.trim() !== ''))
  return [...fromDashboard, ...fromReadme]
}

describeIf('Prometheus scraping the proxy', () => {
  const POOL = 'e2e-prom'
  // Few runners and few uses each: the load queues, and runners are recycled after max uses. Its
  // submissions go through a shared queue on a real Redis, so that the cluster's gauges have data.
  let redis: RedisServer
  let app: ReturnType<typeof realApp>['app']
  let pool: ReturnType<typeof realApp>['pool']
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'))
  let prometheus: ChildProcess
  let base = ''
  let promBase = ''
  let output = ''

  const query = async (expr: string) => {
    const answer = await call(promBase, { url: `/api/v1/query?query=${encodeURIComponent(expr)}` })
    const body = answer.json()
    if (body.status !== 'success') throw new Error(`${expr}: ${answer.text}`)
    return body.data.result as Array<{ metric: Record<string, string>, value: [number, string] }>
  }

  beforeAll(async () => {
    redis = await RedisServer.start()
    const config = testConfig(POOL, { min: 6, max: 6, maxUsesPerRunner: 5 })
    config.queue.redisUrl = redis.url
    ;({ app, pool } = realApp(config))
    base = await app.listen({ port: 0, host: '127.0.0.1' })
    await pool.start()
    await waitFor('6 runners', () => pool.ready === 6, 120000)
    const promPort = await freePort()
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: codeexec',
      '    static_configs:',
      `      - targets: ["${new URL(base).host}"]`
    ].join('\n') + '\n')
    prometheus = spawn(PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    prometheus.stdout?.on('data', (chunk) => { output += chunk })
    prometheus.stderr?.on('data', (chunk) => { output += chunk })
    promBase = `http://127.0.0.1:${promPort}`
    await waitFor('Prometheus to scrape the proxy', async () => {
      try {
        const up = await query('up{job="codeexec"}')
        return up.length === 1 && up[0].value[1] === '1'
      } catch {
        return false
      }
    }, 60000).catch((err) => { throw new Error(`${err.message}\n${output.slice(-2000)}`) })
  })

  afterAll(async () => {
    prometheus?.kill('SIGTERM')
    await app?.close()
    await redis?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('a bounded load moves the busy gauge, the wait histogram and the execution counters', async () => {
    const requests = Array.from({ length: 90 }, (_, n) => n)
    const worker = async () => {
      for (let n = requests.shift(); n !== undefined; n = requests.shift()) {
        const answer = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'import time\ntime.sleep(0.05)\nprint(input())', stdin: String(n) } })
        expect(answer.json().run.stdout).toBe(`${n}\n`)
      }
    }
    await Promise.all(Array.from({ length: 18 }, worker))
    // Two more scrapes after the load.
    await new Promise((resolve) => setTimeout(resolve, 2500))

    const busy = await query('max_over_time(codeexec_runners{state="busy"}[5m])')
    expect(Number(busy[0].value[1])).toBeGreaterThan(0)
    const waiting = await query('max_over_time(codeexec_requests_waiting[5m])')
    expect(Number(waiting[0].value[1])).toBeGreaterThan(0)
    const waits = await query('codeexec_queue_wait_seconds_count')
    expect(Number(waits[0].value[1])).toBeGreaterThanOrEqual(90)
    const executions = await query('codeexec_executions_total{language="python",status="ok"}')
    expect(Number(executions[0].value[1])).toBeGreaterThanOrEqual(90)
    const recycled = await query('codeexec_runner_removals_total{reason="max_uses"}')
    expect(Number(recycled[0].value[1])).toBeGreaterThan(0)
  })

  test('every query of the dashboard and of the README returns data', async () => {
    const queries = dashboardQueries()
    expect(queries.length).toBeGreaterThanOrEqual(11)
    for (const expr of queries) {
      const result = await query(expr)
      expect({ expr, series: result.length > 0 }).toEqual({ expr, series: true })
    }
  })
})

describe('docker-compose.yml', () => {
  const compose = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((path) => existsSync(path))
  if (process.env.CI && !compose) throw new Error("CI checks docker-compose.yml with Debian's docker-compose, which is missing")
  const testIf = compose ? test : test.skip

  testIf('is valid for docker-compose, and every service uses the host network', () => {
    const config = execFileSync(compose!, ['-f', join(ROOT, 'docker-compose.yml'), 'config'], { encoding: 'utf8' })
    const lines = config.split('\n')
    const from = lines.indexOf('services:') + 1
    const section = lines.slice(from, lines.findIndex((line, index) => index >= from && /^\S/.test(line)))
    const services = section.filter((line) => /^ {2}[\w-]+:$/.test(line)).map((line) => line.trim().slice(0, -1))
    expect(services.sort()).toEqual(['grafana', 'prometheus', 'proxy', 'proxy-2', 'redis'])
    expect(config.match(/network_mode: host/g)).toHaveLength(5)
    // Two proxies on one engine need pool names of their own, and one Redis between them.
    expect(config.match(/POOL_NAME: codeexec-\d/g)).toEqual(['POOL_NAME: codeexec-1', 'POOL_NAME: codeexec-2'])
    expect(config.match(/REDIS_URL: redis:\/\/127\.0\.0\.1:6379/g)).toHaveLength(2)
    expect(config).not.toMatch(/^networks:/m)
  })
})
