import { compareOutput } from './contract/checkers'
import type { JudgeSpec, JudgeTest, TestReport, Verdict } from './contract/job'
import type { StageLimits } from './contract/limits'
import { stageStatus } from './job'
import { runStage, type OutputChunk, type StageOptions } from './sandbox'
import { restoreSnapshot, takeSnapshot } from './scratch-snapshot'

// The scratch tmpfs bounds what a compile can leave; this only keeps the snapshot from being a surprise.
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024

/** What the tests of a judge job run with: the compiled job's directory, its run command and limits. */
export interface TestRun {
  dir: string
  argv: string[]
  runLimits: StageLimits
  stage: Pick<StageOptions, 'cwd' | 'uid' | 'gid' | 'env' | 'launcher' | 'oomKillsPath'>
  onTest?: (index: number, report: TestReport) => void
}

export interface JudgedTests {
  tests: TestReport[]
  /** What the cleanup after the last test run could not remove; null when the launcher died. */
  cleanup: string[] | null
}

const round = (value: number) => Math.round(value * 100) / 100

/** A stream's bytes as text: whole for the checker, and cut to `maxBytes` for the report. */
function textOf (chunks: OutputChunk[], stream: 'stdout' | 'stderr', maxBytes: number): { whole: string, cut: string, wasCut: boolean } {
  const bytes = Buffer.concat(chunks.filter((chunk) => chunk.stream === stream).map((chunk) => chunk.data))
  const wasCut = bytes.length > maxBytes
  return { whole: bytes.toString('utf8'), cut: (wasCut ? bytes.subarray(0, maxBytes) : bytes).toString('utf8'), wasCut }
}

const VERDICTS: Record<string, Verdict> = {
  timeout: 'time_limit',
  memory_limit: 'memory_limit',
  runtime_error: 'runtime_error',
  output_limit: 'output_limit',
  internal_error: 'internal_error'
}

function notRun (test: JudgeTest, verdict: Verdict, checker: string | null): TestReport {
  return {
    name: test.name, verdict, exitCode: null, signal: null, cpuMs: 0, wallMs: 0, memoryBytes: 0, stdout: '', stderr: '', outputCut: false, checker
  }
}

/**
 * Runs a compiled program once per test, in order. Each test starts from the directory as the compile
 * left it (a snapshot, restored into an emptied scratch), and after each the launcher kills every process
 * of the uid and wipes every writable place: one test cannot leave anything for the next. Each test's verdict is the stage's
 * when the program failed, else the checker's. After a test whose cleanup failed the rest are not run.
 */
export async function runTests (spec: JudgeSpec, run: TestRun): Promise<JudgedTests> {
  const snapshot = takeSnapshot(run.dir, MAX_SNAPSHOT_BYTES)
  // What the compile left elsewhere (in /tmp, say) goes too: every test starts from the same state.
  let cleanup: string[] | null = await run.stage.launcher.clean(run.stage.uid, run.stage.gid)
  const tests: TestReport[] = []
  const unclean = (after: string) => ({ verdict: 'internal_error' as const, why: `not run: the runner could not be cleaned after ${after}` })
  let stopped: { verdict: Verdict, why: string | null } | undefined = cleanup === null || cleanup.length > 0 ? unclean('the compile') : undefined
  for (const [index, test] of spec.tests.entries()) {
    let report: TestReport
    if (stopped) {
      report = notRun(test, stopped.verdict, stopped.why)
    } else {
      restoreSnapshot(run.dir, snapshot, run.stage.uid, run.stage.gid)
      const result = await runStage({
        ...run.stage, argv: run.argv, stdin: [Buffer.from(test.stdin)], limits: { ...run.runLimits, ...test.limits }, cleanUp: true
      })
      cleanup = result.cleanup ?? null
      const status = stageStatus(result, 'runtime_error')
      const stdout = textOf(result.chunks, 'stdout', spec.outputBytesPerTest)
      const stderr = textOf(result.chunks, 'stderr', spec.outputBytesPerTest)
      let verdict = VERDICTS[status]
      let checker: string | null = null
      if (verdict === undefined) {
        const checked = compareOutput(spec.checker, stdout.whole, test.expectedOutput)
        verdict = checked.accepted ? 'accepted' : 'wrong_answer'
        checker = checked.message
      }
      report = {
        name: test.name,
        verdict,
        exitCode: result.exitCode,
        signal: result.signal,
        cpuMs: round(result.cpuMs),
        wallMs: round(result.wallMs),
        memoryBytes: result.memoryBytes,
        stdout: stdout.cut,
        stderr: result.failed !== null && stderr.whole === '' ? result.failed : stderr.cut,
        outputCut: stdout.wasCut || stderr.wasCut,
        checker
      }
      if (cleanup === null || cleanup.length > 0) {
        stopped = unclean('an earlier test')
      } else if (spec.stopOnFirstFailure && verdict !== 'accepted') {
        stopped = { verdict: 'skipped', why: null }
      }
    }
    tests.push(report)
    run.onTest?.(index, report)
  }
  return { tests, cleanup }
}
