import { chownSync, closeSync, constants, fchownSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { cleanUp, killProcessesOf } from './cleanup'
import type { AgentConfig } from './config'
import { PROGRAM_PATH, type Language } from './languages'
import { runStage, type StageResult } from './sandbox'

export interface JobRequest {
  language: string
  code: string
  stdin?: string
  args?: string[]
  limits?: {
    compile?: { timeoutMs?: number }
    run?: { timeoutMs?: number }
  }
}

export type JobStatus = 'ok' | 'compile_error' | 'runtime_error' | 'timeout' | 'output_limit'

export interface StageReport {
  stdout: string
  stderr: string
  exitCode: number | null
  signal: string | null
  wallMs: number
}

export interface JobResult {
  language: string
  version: string
  status: JobStatus
  compile: StageReport | null
  run: StageReport | null
  /** Time the agent spent on this job, cleanup included. */
  runnerMs: number
  /** Whether the runner proved itself clean afterwards: the proxy reuses it only then. */
  clean: boolean
  problems?: string[]
}

let jobCounter = 0

function report (stage: StageResult): StageReport {
  return {
    stdout: stage.stdout,
    stderr: stage.stderr,
    exitCode: stage.exitCode,
    signal: stage.signal,
    wallMs: Math.round(stage.wallMs * 100) / 100
  }
}

function stageStatus (stage: StageResult, failure: JobStatus): JobStatus {
  if (stage.timedOut) return 'timeout'
  if (stage.truncated !== null) return 'output_limit'
  if (stage.signal !== null || stage.exitCode !== 0) return failure
  return 'ok'
}

/** Writes a file the program will read; never follows a symlink and never reuses an existing file. */
function writeNewFile (path: string, content: string, uid: number, gid: number): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  try {
    writeSync(fd, content)
    fchownSync(fd, uid, gid)
  } finally {
    closeSync(fd)
  }
}

/** One job from scratch dir to clean report. Cleanup runs whatever happened before it. */
export async function runJob (job: JobRequest, language: Language, version: string, config: AgentConfig): Promise<JobResult> {
  const started = process.hrtime.bigint()
  const dir = join(config.scratchRoot, `job-${process.pid}-${++jobCounter}`)
  const env = {
    PATH: PROGRAM_PATH,
    HOME: dir,
    LANG: 'C.UTF-8',
    TMPDIR: '/tmp'
  }
  const afterExit = () => { killProcessesOf(config.uid) }
  let status: JobStatus = 'ok'
  let compile: StageReport | null = null
  let run: StageReport | null = null
  let cleanReport
  try {
    mkdirSync(dir, { mode: 0o700 })
    chownSync(dir, config.uid, config.gid)
    writeNewFile(join(dir, language.fileName), job.code, config.uid, config.gid)

    const stage = { cwd: dir, uid: config.uid, gid: config.gid, env, outputBytes: config.outputBytes, afterExit }
    if (language.compile) {
      const result = await runStage({
        ...stage,
        argv: language.compile,
        stdin: '',
        timeoutMs: job.limits?.compile?.timeoutMs ?? config.defaultLimits.compile.timeoutMs
      })
      compile = report(result)
      status = stageStatus(result, 'compile_error')
    }
    if (status === 'ok') {
      const result = await runStage({
        ...stage,
        argv: [...language.run, ...(job.args ?? [])],
        stdin: job.stdin ?? '',
        timeoutMs: job.limits?.run?.timeoutMs ?? config.defaultLimits.run.timeoutMs
      })
      run = report(result)
      status = stageStatus(result, 'runtime_error')
    }
  } finally {
    cleanReport = cleanUp(config.uid, config.scratchRoot, config.wipeDirs)
  }
  const result: JobResult = {
    language: language.name,
    version,
    status,
    compile,
    run,
    runnerMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
    clean: cleanReport.clean
  }
  if (!cleanReport.clean) result.problems = cleanReport.problems
  return result
}
