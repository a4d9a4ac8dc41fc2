import { spawn, type ChildProcess } from 'node:child_process'

export interface LaunchRequest {
  argv: string[]
  cwd: string
  env: Record<string, string>
  uid: number
  gid: number
  stdin: string
  cpuTimeMs: number
  memoryBytes: number
  processes: number
  fileSizeBytes: number
  openFiles: number
  outputBytes: number
}

export interface LaunchCallbacks {
  output: (stream: 'stdout' | 'stderr', chunk: Buffer) => void
  /** The launcher's report line; null when the launcher itself died mid-stage. */
  done: (report: string | null) => void
}

/** The request as sandbox-exec.c reads it: a header line, a NUL-separated block, then stdin. */
export function encodeLaunch (request: LaunchRequest): Buffer {
  const env = Object.entries(request.env).map(([key, value]) => `${key}=${value}`)
  const block = Buffer.from([request.cwd, String(request.argv.length), ...request.argv, String(env.length), ...env].join('\0') + '\0')
  const stdin = Buffer.from(request.stdin)
  const header = `J ${request.uid} ${request.gid} ${request.cpuTimeMs} ${request.memoryBytes} ${request.processes} ` +
    `${request.fileSizeBytes} ${request.openFiles} ${request.outputBytes} ${block.length} ${stdin.length}\n`
  return Buffer.concat([Buffer.from(header), block, stdin])
}

/**
 * The agent's side of sandbox-exec: one long-lived root helper that forks each stage's program, so the
 * agent's own large process is never forked per job. One stage at a time; a helper that dies is
 * started again for the next stage.
 */
export class Launcher {
  private child?: ChildProcess
  private pending: Buffer = Buffer.alloc(0)
  private current?: LaunchCallbacks

  constructor (private readonly path: string) {}

  start (): void {
    if (this.child) return
    const child = spawn(this.path, [], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.child = child
    this.pending = Buffer.alloc(0)
    child.stdout?.on('data', (chunk: Buffer) => this.onData(chunk))
    child.stdin?.on('error', () => {})
    child.on('error', () => this.onExit(child))
    child.on('exit', () => this.onExit(child))
  }

  run (request: LaunchRequest, callbacks: LaunchCallbacks): void {
    if (this.current) throw new Error('the launcher runs one stage at a time')
    this.start()
    this.current = callbacks
    this.child!.stdin!.write(encodeLaunch(request))
  }

  close (): void {
    this.child?.stdin?.end()
  }

  private onExit (child: ChildProcess): void {
    if (this.child !== child) return
    this.child = undefined
    const current = this.current
    this.current = undefined
    current?.done(null)
  }

  private onData (chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32LE(1)
      if (this.pending.length < 5 + length) break
      const tag = String.fromCharCode(this.pending[0])
      const payload = this.pending.subarray(5, 5 + length)
      this.pending = this.pending.subarray(5 + length)
      const current = this.current
      if (!current) continue
      if (tag === 'o') current.output('stdout', payload)
      else if (tag === 'e') current.output('stderr', payload)
      else if (tag === 'r') {
        this.current = undefined
        current.done(payload.toString('latin1'))
      }
    }
  }
}

const launchers = new Map<string, Launcher>()

/** The launcher at this path, started on first use and kept. */
export function launcherAt (path: string): Launcher {
  let launcher = launchers.get(path)
  if (!launcher) {
    launcher = new Launcher(path)
    launchers.set(path, launcher)
  }
  return launcher
}
