import { existsSync, readFileSync } from 'node:fs'
import Docker from 'dockerode'
import pino from 'pino'
import { buildApp } from '../../proxy/src/app'
import { parseConfig, type Config } from '../../proxy/src/config'
import { DockerProvider, POOL_LABEL } from '../../proxy/src/pool/docker-provider'
import { RunnerPool } from '../../proxy/src/pool/runner-pool'
import { Metrics } from '../../proxy/src/metrics'

export const docker = new Docker({ socketPath: '/var/run/docker.sock' })

export function testConfig (poolName: string, pool: Record<string, number>): Config {
  return parseConfig({ poolName, pool: { acquireTimeoutMs: 60000, ...pool } })
}

/** Ids of the containers, running or not, that carry this pool's label. */
export async function containersOf (poolName: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${POOL_LABEL}=${poolName}`] } })
  return list.map((info) => info.Id).sort()
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(100)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** The real thing in-process: the app over a RunnerPool of real containers. */
export function realApp (config: Config) {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const metrics = new Metrics()
  const provider = new DockerProvider(config, logger, metrics)
  const pool = new RunnerPool(provider, config.pool, logger, metrics)
  const app = buildApp({ config, pool, metrics, loggerInstance: logger })
  return { app, pool, provider, metrics }
}

export interface Reply {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: () => any
}

/** An HTTP call to a listening server over loopback, shaped like fastify's inject. */
export async function call (
  base: string, options: { method?: string, url: string, payload?: unknown, headers?: Record<string, string> }
): Promise<Reply> {
  const { request } = await import('undici')
  const isText = typeof options.payload === 'string'
  const response = await request(base + options.url, {
    method: (options.method ?? (options.payload === undefined ? 'GET' : 'POST')) as 'GET',
    headers: options.payload === undefined ? options.headers : { 'content-type': 'application/json', ...options.headers },
    body: options.payload === undefined ? undefined : isText ? options.payload as string : JSON.stringify(options.payload)
  })
  const text = await response.body.text()
  return { statusCode: response.statusCode, headers: response.headers as Reply['headers'], text, json: () => JSON.parse(text) }
}

/** Listens on a free loopback port, fills the pool, and waits until `size` runners are ready; returns the base URL. */
export async function listenAndFill (
  app: { listen: (options: { port: number, host: string }) => Promise<string> },
  pool: { start: () => Promise<void>, readonly ready: number },
  size: number,
  timeoutMs = 150000
): Promise<string> {
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  await pool.start()
  await waitFor(`${size} runners`, () => pool.ready === size, timeoutMs)
  return base
}

/** Whether the engine has gVisor's runsc registered (scripts/docker-engine.sh does where it is installed). */
export function engineHasRunsc (): boolean {
  try {
    const daemon = JSON.parse(readFileSync('/etc/docker/daemon.json', 'utf8'))
    return existsSync(daemon.runtimes?.runsc?.path ?? '')
  } catch {
    return false
  }
}

/** The runtimes a sandbox test runs under: runc, and runsc where the engine has it (CI installs it). */
export function sandboxRuntimes (): Array<'runc' | 'runsc'> {
  return engineHasRunsc() ? ['runc', 'runsc'] : ['runc']
}
