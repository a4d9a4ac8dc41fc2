import { spawn } from 'node:child_process'

export interface StageOptions {
  argv: string[]
  cwd: string
  uid: number
  gid: number
  env: NodeJS.ProcessEnv
  stdin: string
  timeoutMs: number
  outputBytes: number
  /** Called once the main process has exited: kills whatever it left behind so its pipes close. */
  afterExit: () => void
}

export interface StageResult {
  stdout: string
  stderr: string
  exitCode: number | null
  signal: string | null
  wallMs: number
  timedOut: boolean
  truncated: 'stdout' | 'stderr' | null
}

/** Longest we wait for the pipes to close once the main process is gone and its uid's processes are killed. */
const PIPE_DRAIN_MS = 500

function killGroup (pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/**
 * Runs one stage (compile or run) as the unprivileged uid in its own process group, with a wall-clock
 * timeout and a cap on each output stream. A program that misbehaves yields a result, never a throw;
 * only a failure to start the program at all rejects.
 */
export function runStage (options: StageOptions): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(options.argv[0], options.argv.slice(1), {
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe']
    })

    const output = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
    const sizes = { stdout: 0, stderr: 0 }
    let truncated: StageResult['truncated'] = null
    let timedOut = false
    let exitCode: number | null = null
    let signal: string | null = null
    let wallMs = 0
    let exited = false
    let settled = false
    let drainTimer: NodeJS.Timeout | undefined

    const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const room = options.outputBytes - sizes[name]
      if (chunk.length > room) {
        // More than fits: keep what fits, stop the program, say which stream overflowed first.
        if (room > 0) output[name].push(chunk.subarray(0, room))
        sizes[name] += Math.max(room, 0)
        if (truncated === null) truncated = name
        killGroup(child.pid)
        return
      }
      output[name].push(chunk)
      sizes[name] += chunk.length
    }
    child.stdout.on('data', collect('stdout'))
    child.stderr.on('data', collect('stderr'))

    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
    }, options.timeoutMs)

    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(drainTimer)
      resolve({
        stdout: Buffer.concat(output.stdout).toString('utf8'),
        stderr: Buffer.concat(output.stderr).toString('utf8'),
        exitCode,
        signal,
        wallMs,
        timedOut,
        truncated
      })
    }

    child.on('error', (err) => {
      clearTimeout(timer)
      if (!exited && child.pid === undefined) {
        settled = true
        reject(err)
      }
    })

    child.on('exit', (code, sig) => {
      exited = true
      wallMs = Number(process.hrtime.bigint() - started) / 1e6
      exitCode = code
      signal = sig
      clearTimeout(timer)
      killGroup(child.pid)
      options.afterExit()
      drainTimer = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        finish()
      }, PIPE_DRAIN_MS)
    })

    child.on('close', () => {
      if (exited) finish()
    })

    // A program that exits without reading its stdin makes this write fail with EPIPE: not an error.
    child.stdin.on('error', () => {})
    child.stdin.end(options.stdin)
  })
}
