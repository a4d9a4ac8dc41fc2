// npm run bench:cluster (issue 18): the shared queue's cost and spread, on this machine's two cores.
// The same submissions (20 users, 15 each, python hello worlds, over WebSockets) through one proxy with
// the in-process queue, one proxy over Redis, and three proxies over one Redis (pools of 6 each), ROUNDS
// rounds each, their median reported (a round of 300 takes a few seconds, and this machine drifts). Then
// the queue's hop alone: submissions one at a time, from submit to done, in-process against over Redis,
// and the proxies' own measure of it (codeexec_cluster_pickup_seconds). Every answer is checked.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { request } from 'undici'
import WebSocket from 'ws'
import { startProxy, type ProxyProcess } from './proxy-process'

const USERS = 20
const PER_USER = 15
const SEQUENTIAL = 60
const ROUNDS = 5
const REDIS_PORT = 16300 + Math.floor(Math.random() * 500)
const log = (message: string) => console.log(`[bench:cluster] ${message}`)

async function startRedis (dir: string): Promise<() => Promise<void>> {
  const child = spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
    '--appendfsync', 'everysec'], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await new Promise((resolve) => setTimeout(resolve, 500))
  if (child.exitCode !== null) throw new Error('redis-server did not start (is it installed? .ci/run installs it)')
  return async () => {
    child.kill('SIGTERM')
    await exited
  }
}

interface Result { status: string, run?: { stdout: string } }

/** A socket that submits and resolves each submission's done, checking its output. */
async function client (base: string, user: string) {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws?userId=${user}`)
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  const waiting = new Map<string | number, (id: string) => void>()
  const done = new Map<string, (result: Result) => void>()
  const early = new Map<string, Result>()
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString())
    if (message.type === 'submitted') waiting.get(message.ref)?.(message.id)
    if (message.type === 'error') throw new Error(`refused: ${JSON.stringify(message)}`)
    if (message.type === 'done') {
      const resolve = done.get(message.id)
      if (resolve) resolve(message.result)
      else early.set(message.id, message.result)
    }
  })
  let refs = 0
  return {
    close: () => socket.close(),
    /** Submits; resolves once done, with whether the output is right. */
    run: async (text: string): Promise<boolean> => {
      const ref = ++refs
      const id = await new Promise<string>((resolve) => {
        waiting.set(ref, resolve)
        socket.send(JSON.stringify({ type: 'submit', ref, language: 'python', code: `print(${JSON.stringify(text)})` }))
      })
      waiting.delete(ref)
      const result = early.get(id) ?? await new Promise<Result>((resolve) => done.set(id, resolve))
      return result.status === 'ok' && result.run?.stdout === `${text}\n`
    }
  }
}

interface Measure { setup: string, nodes: number, submissions: number, right: number, seconds: number, jobsPerSecond: number }

let round = 0
async function throughput (setup: string, proxies: ProxyProcess[]): Promise<Measure> {
  round++
  const clients = await Promise.all(Array.from({ length: USERS }, (_, n) => client(proxies[n % proxies.length].base, `bench-${round}-${n}`)))
  const started = performance.now()
  const answers = await Promise.all(clients.map(async (one, n) => {
    const mine = Array.from({ length: PER_USER }, (_, k) => one.run(`${n}-${k}`))
    return await Promise.all(mine)
  }))
  const seconds = (performance.now() - started) / 1000
  for (const one of clients) one.close()
  const right = answers.flat().filter(Boolean).length
  const submissions = USERS * PER_USER
  return { setup, nodes: proxies.length, submissions, right, seconds: hundredths(seconds), jobsPerSecond: hundredths(submissions / seconds) }
}

/** Submit-to-done of submissions made one after another: the milliseconds at the median and p90. */
async function oneAtATime (proxy: ProxyProcess, setup: string): Promise<{ p50: number, p90: number, right: number }> {
  const one = await client(proxy.base, `bench-seq-${setup}`)
  const times: number[] = []
  let right = 0
  for (let n = 0; n < SEQUENTIAL; n++) {
    const started = performance.now()
    if (await one.run(`seq-${n}`)) right++
    times.push(performance.now() - started)
  }
  one.close()
  times.sort((a, b) => a - b)
  return { p50: hundredths(times[Math.floor(times.length * 0.5)]), p90: hundredths(times[Math.floor(times.length * 0.9)]), right }
}

async function pickup (proxy: ProxyProcess): Promise<{ count: number, meanMs: number }> {
  const response = await request(`${proxy.base}/metrics`)
  const text = await response.body.text()
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
  const count = read('codeexec_cluster_pickup_seconds_count')
  return { count, meanMs: count === 0 ? 0 : hundredths(read('codeexec_cluster_pickup_seconds_sum') / count * 1000) }
}

const hundredths = (value: number) => Math.round(value * 100) / 100
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'))
  const stopRedis = await startRedis(dir)
  const redisUrl = `redis://127.0.0.1:${REDIS_PORT}`
  const config = (node: number, shared: boolean) => ({
    poolName: `bench-cluster-${node}`,
    pool: { min: 6, max: 6 },
    submissions: { maxQueuedPerUser: PER_USER },
    ...(shared ? { queue: { redisUrl, name: 'bench' } } : {})
  })
  const measures: Measure[] = []
  const hops: Record<string, { p50: number, p90: number, right: number }> = {}
  let pickups: { count: number, meanMs: number } | undefined
  try {
    // One setup up at a time (their runners would share the cores), each for all its rounds in turn.
    const setups: Array<{ name: string, start: () => Promise<ProxyProcess[]> }> = [
      { name: 'one proxy, in-process queue', start: async () => [await startProxy(config(0, false), 4100)] },
      { name: 'one proxy over Redis', start: async () => [await startProxy(config(0, true), 4100)] },
      {
        name: 'three proxies over one Redis',
        start: async () => {
          const proxies: ProxyProcess[] = []
          for (let node = 0; node < 3; node++) proxies.push(await startProxy(config(node, true), 4100 + node))
          return proxies
        }
      }
    ]
    for (const setup of setups) {
      log(setup.name)
      const proxies = await setup.start()
      if (proxies.length === 1) {
        hops[setup.name] = await oneAtATime(proxies[0], setup.name === 'one proxy over Redis' ? 'redis' : 'local')
        if (setup.name === 'one proxy over Redis') pickups = await pickup(proxies[0])
      }
      for (let n = 0; n < ROUNDS; n++) measures.push(await throughput(setup.name, proxies))
      await Promise.all(proxies.map((proxy) => proxy.stop()))
    }
  } finally {
    await stopRedis()
    rmSync(dir, { recursive: true, force: true })
  }
  const summary = [...new Set(measures.map((measure) => measure.setup))].map((setup) => {
    const rounds = measures.filter((measure) => measure.setup === setup).map((measure) => measure.jobsPerSecond)
    return { setup, medianJobsPerSecond: median(rounds), rounds }
  })
  const results = { date: new Date().toISOString(), summary, oneAtATime: hops, pickupOverRedis: pickups, measures }
  console.log(JSON.stringify({ ...results, measures: undefined }, null, 2))
  const wrong = measures.some((measure) => measure.right !== measure.submissions) || Object.values(hops).some((hop) => hop.right !== SEQUENTIAL)
  const out = resolve(__dirname, '../../../bench/results')
  mkdirSync(out, { recursive: true })
  const file = join(out, `cluster-${results.date.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  log(`written to ${file}`)
  if (wrong) {
    console.error('[bench:cluster] some answers were wrong or missing')
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
