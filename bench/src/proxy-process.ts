import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { request } from 'undici'

const SERVER = resolve(__dirname, '../../proxy/src/server.js')

export interface ProxyProcess {
  base: string
  pid: number
  /** From spawning the process to /readyz answering 200. */
  fillMs: number
  stop: () => Promise<void>
}

async function ready (base: string): Promise<boolean> {
  try {
    const response = await request(`${base}/readyz`)
    await response.body.dump()
    return response.statusCode === 200
  } catch {
    return false
  }
}

/** Starts the built proxy as its own process with the given pool config, and waits for /readyz. */
export async function startProxy (config: object, port: number): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-proxy-'))
  const configPath = join(dir, 'pool.config.json')
  writeFileSync(configPath, JSON.stringify(config))
  const started = performance.now()
  const logPath = join(dir, 'proxy.log')
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: { ...process.env, POOL_CONFIG: configPath, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  child.stdout?.on('data', (chunk) => { log += chunk })
  child.stderr?.on('data', (chunk) => { log += chunk })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 180000
  while (!(await ready(base))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      writeFileSync(logPath, log)
      throw new Error(`the proxy did not become ready; its log:\n${log.slice(-3000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const fillMs = performance.now() - started
  return {
    base,
    pid: child.pid!,
    fillMs,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    }
  }
}

/**
 * Memory in use by a container as `docker stats` counts it on cgroup v1: usage less inactive file pages.
 * Read from the host's cgroup files, which is instant where the stats API waits for a sample.
 */
export function containerMemoryBytes (containerId: string): number | null {
  const dir = `/sys/fs/cgroup/memory/docker/${containerId}`
  try {
    const usage = Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8'))
    const inactive = /^total_inactive_file (\d+)$/m.exec(readFileSync(join(dir, 'memory.stat'), 'utf8'))
    return usage - (inactive ? Number(inactive[1]) : 0)
  } catch {
    return null
  }
}
