import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { call, waitFor } from './docker'

const SERVER = resolve(__dirname, '../../dist/proxy/src/server.js')

/** A proxy as `npm start` runs it: its own process, its config file, a port on loopback. */
export interface ProxyProcess { child: ChildProcess, base: string, port: number, exited: Promise<number | null>, output: () => string }

/** Starts a proxy and waits for /readyz to say ready (the error says what it printed if it never does). */
export async function startProxy (configPath: string, port: number, env: Record<string, string> = {}): Promise<ProxyProcess> {
  let output = ''
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, POOL_CONFIG: configPath, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout?.on('data', (chunk) => { output += chunk })
  child.stderr?.on('data', (chunk) => { output += chunk })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const base = `http://127.0.0.1:${port}`
  await waitFor('the proxy to be ready', async () => {
    try {
      return (await call(base, { url: '/readyz' })).statusCode === 200
    } catch {
      return false
    }
  }, 90000).catch((err) => { throw new Error(`${err.message}\n${output}`) })
  return { child, base, port, exited, output: () => output }
}
