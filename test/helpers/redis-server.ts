import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real redis-server (Debian's, installed by .ci/run) on loopback, for tests: its own port and data
 * directory, append-only with every write synced, so that stopping and starting it loses nothing queued.
 */
export class RedisServer {
  private child?: ChildProcess
  private output = ''
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-test-'))

  private constructor (readonly port: number) {}

  static async start (): Promise<RedisServer> {
    const server = new RedisServer(16400 + Math.floor(Math.random() * 2000))
    await server.resume()
    return server
  }

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts it again on the same port and data: what was written before it stopped is there. */
  async resume (): Promise<void> {
    this.output = ''
    this.child = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'always', '--protected-mode', 'yes'
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout?.on('data', (chunk) => { this.output += chunk })
    this.child.stderr?.on('data', (chunk) => { this.output += chunk })
    const deadline = Date.now() + 10000
    while (!(await this.answers())) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`redis-server did not start:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Stops it as an operator would (SIGTERM: it syncs and exits), and waits for the exit. */
  async stop (): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }

  async close (): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** Whether it answers PING now. */
  private answers (): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port })
      socket.setTimeout(500, () => { socket.destroy(); resolve(false) })
      socket.once('error', () => resolve(false))
      socket.once('connect', () => socket.write('PING\r\n'))
      socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')) })
    })
  }
}
