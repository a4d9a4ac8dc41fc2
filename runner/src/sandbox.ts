import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { parseOomKills } from './cgroup'
import type { Launcher } from './launcher'
import type { StageLimits } from './contract/limits'

export interface StageOptions {
  argv: string[]
  cwd: string
  uid: number
  gid: number
  env: Record<string, string>
  stdin: Buffer[]
  limits: StageLimits
  launcher: Launcher
  /** The memory cgroup's file with its oom_kill count (cgroup.ts); null where there is none. */
  oomKillsPath: string | null
  /** Have the launcher clean up after the uid once the stage is over (the job's last stage). */
  cleanUp?: boolean
  /** Keep the program's stdin open for the launcher's control lines (Launcher.control). */
  interactive?: boolean
  /** The program's stderr is its stdout (2>&1, sandbox-exec.c's merge): one stream, in the order written. */
  stderrToStdout?: boolean
  /** The program's address space limit (RLIMIT_AS): allocations past it fail rather than the program being killed. */
  addressSpaceBytes?: number
  /** Called with the program's output as it is read, for a streamed job. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void
}

/** One read of the program's output, as the launcher passed it on. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr'
  data: Buffer
}

export interface StageResult {
  /**
   * What the program wrote, in the order the launcher read it: kept as the bytes that came, never copied
   * or decoded here, so that the agent holds each byte of output once (result-writer.ts encodes it).
   */
  chunks: OutputChunk[]
  exitCode: number | null
  signal: string | null
  wallMs: number
  cpuMs: number
  /** The stage's peak memory, all its processes together (sandbox-exec.c). */
  memoryBytes: number
  timedOut: boolean
  cpuExceeded: boolean
  /** Killed by the kernel for memory, or over its memory limit at its peak. */
  memoryExceeded: boolean
  truncated: 'stdout' | 'stderr' | null
  /** The launcher could not start the program, or died. */
  failed: string | null
  /** With `cleanUp`: what cleanup could not remove (empty when clean); null when the launcher died first. */
  cleanup?: string[] | null
}

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, number]) => [number, name]))

// The count only moves when something is OOM-killed, and a kill shows as SIGKILL: it is read again then.
const oomCounts = new Map<string, number | null>()

function readOomKills (path: string | null): number | null {
  if (path === null) return null
  try {
    return parseOomKills(readFileSync(path, 'latin1'))
  } catch {
    return null
  }
}

/** The kernel's count of OOM kills in this container's memory cgroup; null where there is none. */
export function oomKills (path: string | null): number | null {
  if (path === null) return null
  if (!oomCounts.has(path)) oomCounts.set(path, readOomKills(path))
  return oomCounts.get(path) ?? null
}

function parseReport (line: string): Record<string, string> | null {
  const fields: Record<string, string> = {}
  for (const pair of line.trim().split(' ')) {
    const [key, value] = pair.split('=')
    if (key && value !== undefined) fields[key] = value
  }
  return 'exit' in fields && 'signal' in fields ? fields : null
}

/**
 * Runs one stage (compile or run) through the launcher (sandbox-exec.c), which switches to the
 * unprivileged uid, sets the rlimits, enforces the wall clock, CPU time, memory and the output caps, and
 * reports CPU time and peak memory. A program that misbehaves yields a result, never a throw.
 */
export function runStage (options: StageOptions): Promise<StageResult> {
  return new Promise((resolve) => {
    const { limits } = options
    const oomBefore = oomKills(options.oomKillsPath)
    const chunks: OutputChunk[] = []
    let result: StageResult
    options.launcher.run({
      argv: options.argv,
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      timeoutMs: limits.timeoutMs,
      stdin: options.stdin,
      cpuTimeMs: limits.cpuTimeMs,
      memoryBytes: limits.memoryBytes,
      processes: limits.processes,
      fileSizeBytes: limits.fileSizeBytes,
      openFiles: limits.openFiles,
      outputBytes: limits.outputBytes,
      cleanUp: options.cleanUp,
      stream: options.onOutput !== undefined,
      interactive: options.interactive,
      stderrToStdout: options.stderrToStdout,
      addressSpaceBytes: options.addressSpaceBytes
    }, {
      output: (stream, chunk) => {
        chunks.push({ stream, data: chunk })
        options.onOutput?.(stream, chunk)
      },
      done: (line) => {
        const fields = line === null ? null : parseReport(line)
        const number = (name: string) => Number(fields?.[name] ?? 0)
        const signal = number('signal') > 0 ? signalNames.get(number('signal')) ?? `SIG${number('signal')}` : null
        let oomKilled = false
        if (signal === 'SIGKILL') {
          const oomAfter = readOomKills(options.oomKillsPath)
          if (options.oomKillsPath !== null) oomCounts.set(options.oomKillsPath, oomAfter)
          oomKilled = oomBefore !== null && oomAfter !== null && oomAfter > oomBefore
        }
        const memoryBytes = number('maxrss_kb') * 1024
        let failed: string | null = null
        if (line === null) failed = 'the sandbox launcher died during the stage'
        else if (!fields) failed = `the sandbox launcher reported nonsense: ${line.slice(0, 200)}`
        else if (number('exec_failed') === 1) failed = `cannot start ${options.argv[0]}`
        const truncated = fields?.truncated === 'stdout' || fields?.truncated === 'stderr' ? fields.truncated : null
        result = {
          chunks,
          exitCode: fields && number('exit') >= 0 ? number('exit') : null,
          signal,
          wallMs: number('wall_us') / 1000,
          cpuMs: number('cpu_us') / 1000,
          memoryBytes,
          timedOut: number('timed_out') === 1,
          cpuExceeded: number('cpu_exceeded') === 1,
          memoryExceeded: number('memory_exceeded') === 1 || oomKilled || memoryBytes > limits.memoryBytes,
          truncated,
          failed
        }
        if (!options.cleanUp) resolve(result)
      },
      // The cleanup's answer comes in the same read as the stage's report.
      cleaned: (problems) => resolve({ ...result, cleanup: problems })
    })
  })
}
