import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { killProcessesOf } from './cleanup'
import type { StageLimits } from './limits'

export interface StageOptions {
  argv: string[]
  cwd: string
  uid: number
  gid: number
  env: NodeJS.ProcessEnv
  stdin: string
  limits: StageLimits
  wrapperPath: string
  oomControlPath: string
}

export interface StageResult {
  stdout: string
  stderr: string
  exitCode: number | null
  signal: string | null
  wallMs: number
  cpuMs: number
  /** Peak resident memory of the largest process of the stage. */
  memoryBytes: number
  timedOut: boolean
  cpuExceeded: boolean
  /** Killed by the kernel for memory, or over its memory limit at its peak. */
  memoryExceeded: boolean
  truncated: 'stdout' | 'stderr' | null
  /** The wrapper could not start the program, or reported nothing. */
  failed: string | null
}

/** Longest we wait for the pipes to close once the stage is over and its uid's processes are killed. */
const PIPE_DRAIN_MS = 500
/** Pipes that are still open this long after the stage ended are held by something it left running. */
const ORPHAN_GRACE_MS = 5
/** While a stopped stage has not ended, its uid's processes are killed again this often. */
const KILL_REPEAT_MS = 100

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, number]) => [number, name]))

/** The kernel's count of OOM kills in this container's memory cgroup; null where there is none. */
export function oomKills (path: string): number | null {
  const cached = oomCounts.get(path)
  if (cached !== undefined) return cached
  const count = readOomKills(path)
  oomCounts.set(path, count)
  return count
}

// The count only moves when something is OOM-killed, and a kill shows as SIGKILL: it is read again then.
const oomCounts = new Map<string, number | null>()

function readOomKills (path: string): number | null {
  try {
    const match = /^oom_kill (\d+)$/m.exec(readFileSync(path, 'latin1'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

function wrapperArgs (options: StageOptions): string[] {
  const { limits } = options
  return [
    '--uid', String(options.uid), '--gid', String(options.gid), '--cwd', options.cwd,
    '--cpu-ms', String(limits.cpuTimeMs), '--memory-bytes', String(limits.memoryBytes), '--nproc', String(limits.processes),
    '--fsize', String(limits.fileSizeBytes), '--nofile', String(limits.openFiles),
    '--report-fd', '3', '--', ...options.argv
  ]
}

function parseReport (line: string): Record<string, number> | null {
  const fields: Record<string, number> = {}
  for (const pair of line.trim().split(' ')) {
    const [key, value] = pair.split('=')
    if (key && value !== undefined) fields[key] = Number(value)
  }
  return 'exit' in fields && 'signal' in fields ? fields : null
}

/**
 * Runs one stage (compile or run) through sandbox-exec, which switches to the unprivileged uid, sets the
 * rlimits and reports CPU time and peak memory. Wall-clock timeout and output caps are enforced here by
 * killing every process of the uid. A program that misbehaves yields a result, never a throw.
 */
export function runStage (options: StageOptions): Promise<StageResult> {
  return new Promise((resolve) => {
    const { limits, uid } = options
    const oomBefore = oomKills(options.oomControlPath)
    const started = process.hrtime.bigint()
    const child = spawn(options.wrapperPath, wrapperArgs(options), {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe']
    })

    const output = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
    const sizes = { stdout: 0, stderr: 0 }
    let report = ''
    let truncated: StageResult['truncated'] = null
    let timedOut = false
    let spawnError: Error | null = null
    let exited = false
    let settled = false
    let killer: NodeJS.Timeout | undefined
    let drainTimer: NodeJS.Timeout | undefined

    // The wrapper is root and survives; the program and everything it started die.
    const stop = () => {
      killProcessesOf(uid)
      if (killer === undefined) killer = setInterval(() => killProcessesOf(uid), KILL_REPEAT_MS)
    }

    const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const room = limits.outputBytes - sizes[name]
      if (chunk.length > room) {
        // More than fits: keep what fits, stop the program, say which stream overflowed first.
        if (room > 0) output[name].push(chunk.subarray(0, room))
        sizes[name] += Math.max(room, 0)
        if (truncated === null) {
          truncated = name
          stop()
        }
        return
      }
      output[name].push(chunk)
      sizes[name] += chunk.length
    }
    child.stdout?.on('data', collect('stdout'))
    child.stderr?.on('data', collect('stderr'))
    const reportStream = child.stdio[3] as NodeJS.ReadableStream | null
    reportStream?.on('data', (chunk: Buffer) => { report += chunk.toString('latin1') })
    reportStream?.on('error', () => {})

    const timer = setTimeout(() => {
      timedOut = true
      stop()
    }, limits.timeoutMs)

    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(drainTimer)
      clearInterval(killer)
      const fields = parseReport(report)
      const wallMs = fields ? fields.wall_us / 1000 : Number(process.hrtime.bigint() - started) / 1e6
      const memoryBytes = fields ? fields.maxrss_kb * 1024 : 0
      const signal = fields && fields.signal > 0 ? signalNames.get(fields.signal) ?? `SIG${fields.signal}` : null
      let oomKilled = false
      if (signal === 'SIGKILL') {
        const oomAfter = readOomKills(options.oomControlPath)
        oomCounts.set(options.oomControlPath, oomAfter)
        oomKilled = oomBefore !== null && oomAfter !== null && oomAfter > oomBefore
      }
      let failed: string | null = null
      if (spawnError) failed = `cannot start the sandbox wrapper: ${spawnError.message}`
      else if (!fields) failed = 'the sandbox wrapper reported nothing'
      else if (fields.exec_failed === 1) failed = `cannot start ${options.argv[0]}`
      resolve({
        stdout: Buffer.concat(output.stdout).toString('utf8'),
        stderr: Buffer.concat(output.stderr).toString('utf8'),
        exitCode: fields && fields.exit >= 0 ? fields.exit : null,
        signal,
        wallMs,
        cpuMs: fields ? fields.cpu_us / 1000 : 0,
        memoryBytes,
        timedOut,
        cpuExceeded: fields?.cpu_exceeded === 1,
        memoryExceeded: fields?.memory_exceeded === 1 || oomKilled || memoryBytes > limits.memoryBytes,
        truncated,
        failed
      })
    }

    child.on('error', (err) => {
      spawnError = err
      if (child.pid === undefined) finish()
    })

    child.on('exit', () => {
      exited = true
      clearTimeout(timer)
      // Usually the pipes close at once. If they do not, something the program left running holds them:
      // it dies now (the job's cleanup would kill it anyway), and the pipes get a moment to drain.
      drainTimer = setTimeout(() => {
        killProcessesOf(uid)
        drainTimer = setTimeout(() => {
          child.stdout?.destroy()
          child.stderr?.destroy()
          finish()
        }, PIPE_DRAIN_MS)
      }, ORPHAN_GRACE_MS)
    })

    child.on('close', () => {
      if (exited) finish()
    })

    // A program that exits without reading its stdin makes this write fail with EPIPE: not an error.
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.stdin)
  })
}
