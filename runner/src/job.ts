import { chownSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AgentConfig } from './config'
import { commandsFor, findLanguage, PROGRAM_PATH, type Language } from './contract/languages'
import type { Launcher } from './launcher'
import type { JobLimits, StageLimits, StageName } from './contract/limits'
import type { JobRequest, JobStatus, JobSummary, JudgeSpec, StageMeasures, TestReport } from './contract/job'
import type { JobStop } from './job-stop'
import { runTests, type TestRun } from './judge'
import { runStage, type StageResult } from './sandbox'
import { writeScratchFile } from './scratch-path'

/** Output of a streamed job as it is read. */
export type OutputListener = (stage: StageName, stream: 'stdout' | 'stderr', chunk: Buffer) => void

/** A job whose progress is told as it happens: a streamed job, or an interactive one. */
export interface LiveJob {
  onOutput: OutputListener
  /** A stage has started: for an interactive job's run stage, the launcher takes control lines from now on. */
  onStage?: (stage: StageName) => void
  /** A stage has ended, with its report. */
  onExit?: (stage: StageName, report: StageOutcome) => void
  /** The run stage keeps its stdin open for the launcher's control lines. */
  interactive?: boolean
  /** A judge job's test has ended, with its report. */
  onTest?: (index: number, report: TestReport) => void
}

/** A stage as the agent holds it until its answer is written (result-writer.ts): its output as the bytes that came. */
export type StageOutcome = StageMeasures & Pick<StageResult, 'chunks'>

/** A job's result as the agent holds it until it is written out. */
export interface JobOutcome extends JobSummary {
  compile: StageOutcome | null
  run: StageOutcome | null
  tests?: TestReport[]
}

let jobCounter = 0
const round = (value: number) => Math.round(value * 100) / 100

/** The verdict of one stage; `failure` is what a plain non-zero exit or signal means for it. */
export function stageStatus (stage: StageResult, failure: 'compile_error' | 'runtime_error'): JobStatus {
  if (stage.failed !== null) return 'internal_error'
  if (stage.memoryExceeded) return 'memory_limit'
  if (stage.timedOut || stage.cpuExceeded) return 'timeout'
  if (stage.truncated !== null) return 'output_limit'
  if (stage.signal !== null || stage.exitCode !== 0) return failure
  return 'ok'
}

function outcome (stage: StageResult, status: JobStatus): StageOutcome {
  const chunks = stage.chunks
  // A launcher's failure is told on stderr when the program said nothing there.
  if (stage.failed !== null && !chunks.some((chunk) => chunk.stream === 'stderr')) chunks.push({ stream: 'stderr', data: Buffer.from(stage.failed) })
  return {
    chunks,
    exitCode: stage.exitCode,
    signal: stage.signal,
    wallMs: round(stage.wallMs),
    cpuMs: round(stage.cpuMs),
    memoryBytes: stage.memoryBytes,
    truncated: stage.truncated,
    status
  }
}

export function stageLimits (config: AgentConfig, language: Language, job: JobRequest, stage: StageName): StageLimits {
  return { ...config.defaultLimits[stage], ...language.limits[stage], ...job.limits?.[stage] }
}

/** Where a judge job's checker program lives (beside the job's own directory), and its default limits. */
function checkerOf (judge: JudgeSpec, dir: string, config: AgentConfig): TestRun['checker'] {
  const checker = judge.checker
  if (checker.type !== 'program') return undefined
  const language = findLanguage(checker.language)
  const own = (stage: StageName) => ({ ...config.defaultLimits[stage], ...language?.limits[stage], ...checker.limits?.[stage] })
  return { dir: `${dir}-checker`, limits: { compile: own('compile'), run: own('run') } }
}

/**
 * One job from scratch dir to clean report. Cleanup runs whatever happened before it: the launcher does it
 * in the same answer as the last stage, or on its own when the job ended early. A job stopped (`stop`)
 * runs no stage after the one it killed, and says `stopped`.
 */
export async function runJob (
  job: JobRequest, stdin: Buffer[], language: Language, version: string, config: AgentConfig, launcher: Launcher, live?: LiveJob, stop?: JobStop
): Promise<JobOutcome> {
  // Checked in the same tick as a stage starts: a stop asked before is seen here, one asked after kills the stage.
  const stopped = () => stop?.requested === true
  const started = process.hrtime.bigint()
  const dir = join(config.scratchRoot, `job-${process.pid}-${++jobCounter}`)
  const env = { PATH: PROGRAM_PATH, HOME: dir, LANG: 'C.UTF-8', TMPDIR: '/tmp' }
  const limits: JobLimits = { compile: stageLimits(config, language, job, 'compile'), run: stageLimits(config, language, job, 'run') }
  const stage = { cwd: dir, uid: config.uid, gid: config.gid, env, launcher, oomKillsPath: config.memoryCgroup?.oomKillsPath ?? null }
  let status: JobStatus = 'ok'
  let compile: StageOutcome | null = null
  let run: StageOutcome | null = null
  let tests: TestReport[] | undefined
  let message: string | undefined
  let problems: string[] | null | undefined
  // Whether a stop came while a stage could still be killed (one during the cleanup after the last changes nothing).
  let wasStopped = false
  try {
    mkdirSync(dir, { mode: 0o700 })
    chownSync(dir, config.uid, config.gid)
    const files = job.files ?? []
    const languages = commandsFor(language, job.code, job.entryName, files, job.compileArgs)
    const commands = job.commands ? { fileName: languages.fileName, compile: job.commands.compile, run: job.commands.run } : languages
    writeScratchFile(dir, commands.fileName, (language.prelude ?? '') + job.code, config.uid, config.gid)
    for (const file of files) {
      writeScratchFile(dir, file.name, file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : file.content, config.uid, config.gid)
    }

    // What the program's runs have that the compile has not: the job's merged streams, its address space.
    const program = { stderrToStdout: job.stderrToStdout === true, addressSpaceBytes: job.addressSpaceBytes }
    // One stage: its verdict becomes the job's; the run stage, the last, has the launcher clean up after it.
    const runOne = async (name: StageName, argv: string[], input: Buffer[]) => {
      const running = runStage({
        ...stage, ...(name === 'run' ? program : {}), argv, stdin: input, limits: limits[name], cleanUp: name === 'run',
        interactive: name === 'run' && live?.interactive === true,
        onOutput: live && ((stream, chunk) => live.onOutput(name, stream, chunk))
      })
      live?.onStage?.(name)
      const result = await running
      status = stageStatus(result, name === 'compile' ? 'compile_error' : 'runtime_error')
      if (result.failed) message = result.failed
      if (name === 'run') problems = result.cleanup
      const stageOutcome = outcome(result, status)
      live?.onExit?.(name, stageOutcome)
      return stageOutcome
    }
    if (commands.compile && !stopped()) compile = await runOne('compile', commands.compile, [])
    const argv = job.commands ? commands.run : [...commands.run, ...(job.args ?? [])]
    if (stopped()) {
      // Nothing more runs.
    } else if (status === 'ok' && job.judge) {
      // Compiled once, run once per test: the job's status stays the compile's.
      const checker = checkerOf(job.judge, dir, config)
      const judged = await runTests(job.judge, {
        dir,
        argv,
        runLimits: limits.run,
        stage,
        program,
        checker,
        onTest: live?.onTest,
        base64: job.outputBase64 === true,
        stopped
      })
      tests = judged.tests
      problems = judged.cleanup
    } else if (status === 'ok') {
      run = await runOne('run', argv, stdin)
    }
    wasStopped = stopped()
  } catch (err) {
    status = 'internal_error'
    message = (err as Error).message
  } finally {
    problems ??= await launcher.clean(config.uid, config.gid)
  }
  problems ??= ['the sandbox launcher died during cleanup']
  const result: JobOutcome = {
    language: language.name,
    version,
    status,
    compile,
    run,
    ...(job.judge ? { tests: tests ?? [] } : {}),
    runnerMs: round(Number(process.hrtime.bigint() - started) / 1e6),
    clean: problems.length === 0,
    compiles: compile === null ? 0 : 1
  }
  if (message !== undefined) result.message = message
  if (problems.length > 0) result.problems = problems
  if (wasStopped) result.stopped = true
  return result
}
