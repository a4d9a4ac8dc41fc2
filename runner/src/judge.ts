import { chownSync, mkdirSync } from 'node:fs'
import { compareOutput, type ProgramChecker } from './contract/checkers'
import type { JudgeSpec, JudgeTest, TestReport, Verdict } from './contract/job'
import { commandsFor, findLanguage } from './contract/languages'
import type { StageLimits } from './contract/limits'
import { stageStatus } from './job'
import { runStage, type OutputChunk, type StageOptions } from './sandbox'
import { restoreSnapshot, takeSnapshot, type Snapshot } from './scratch-snapshot'
import { writeScratchFile } from './scratch-path'

// The scratch tmpfs bounds what a compile can leave; this only keeps the snapshot from being a surprise.
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024

/** What the tests of a judge job run with: the compiled job's directory, its run command and limits. */
export interface TestRun {
  dir: string
  argv: string[]
  runLimits: StageLimits
  stage: Pick<StageOptions, 'cwd' | 'uid' | 'gid' | 'env' | 'launcher' | 'oomKillsPath'>
  /** What the program's runs have over the stage (the job's), never the checker's. */
  program: Pick<StageOptions, 'stderrToStdout' | 'addressSpaceBytes'>
  /** A checker program's directory, and the limits of its compile and of each of its runs. */
  checker?: { dir: string, limits: { compile: StageLimits, run: StageLimits } }
  onTest?: (index: number, report: TestReport) => void
  /** Reports give output as base64 of its bytes (a job with outputBase64). */
  base64?: boolean
  /** Whether the job was stopped: the tests after it are skipped, and the one it killed says so. */
  stopped?: () => boolean
}

/** A checker program once compiled: run per test from its snapshot. */
interface CheckerProgram {
  dir: string
  argv: string[]
  snapshot: Snapshot
  limits: StageLimits
}

/** The most of a checker's message kept, in characters. */
const CHECKER_MESSAGE_CHARS = 1024

/** A checker program written and compiled in a directory of its own, as the program's uid; a string when it does not compile. */
async function prepareChecker (checker: ProgramChecker, run: TestRun): Promise<CheckerProgram | string> {
  const language = findLanguage(checker.language)
  if (!language || !run.checker) return `the checker's language ${JSON.stringify(checker.language)} is not supported`
  const { dir, limits } = run.checker
  mkdirSync(dir, { mode: 0o700 })
  chownSync(dir, run.stage.uid, run.stage.gid)
  const commands = commandsFor(language, checker.code)
  writeScratchFile(dir, commands.fileName, (language.prelude ?? '') + checker.code, run.stage.uid, run.stage.gid)
  if (commands.compile) {
    const compiled = await runStage({ ...run.stage, cwd: dir, argv: commands.compile, stdin: [], limits: limits.compile })
    if (stageStatus(compiled, 'compile_error') !== 'ok') {
      const said = Buffer.concat(compiled.chunks.map((chunk) => chunk.data)).toString('utf8').slice(0, CHECKER_MESSAGE_CHARS)
      return `the checker does not compile: ${compiled.failed ?? said}`
    }
  }
  return { dir, argv: commands.run, snapshot: takeSnapshot(dir, MAX_SNAPSHOT_BYTES), limits: limits.run }
}

/**
 * One test's output through the checker program, testlib's way: its files input.txt, output.txt and
 * answer.txt, its exit status the verdict. Whatever else becomes of it is the judge's failure.
 */
async function checkWithProgram (
  checker: CheckerProgram, run: TestRun, test: JudgeTest, output: string
): Promise<{ verdict: Verdict, message: string, cleanup: string[] | null }> {
  const { uid, gid } = run.stage
  restoreSnapshot(checker.dir, checker.snapshot, uid, gid)
  for (const [name, content] of [['input.txt', test.stdin], ['output.txt', output], ['answer.txt', test.expectedOutput!]]) {
    writeScratchFile(checker.dir, name, content, uid, gid)
  }
  const result = await runStage({
    ...run.stage, cwd: checker.dir, argv: [...checker.argv, 'input.txt', 'output.txt', 'answer.txt'], stdin: [], limits: checker.limits, cleanUp: true
  })
  const said = Buffer.concat(result.chunks.map((chunk) => chunk.data)).toString('utf8').trim().slice(0, CHECKER_MESSAGE_CHARS)
  const cleanup = result.cleanup ?? null
  const status = stageStatus(result, 'runtime_error')
  if (status === 'ok') return { verdict: 'accepted', message: said, cleanup }
  if (status === 'runtime_error' && result.signal === null && (result.exitCode === 1 || result.exitCode === 2)) {
    return { verdict: result.exitCode === 1 ? 'wrong_answer' : 'presentation_error', message: said, cleanup }
  }
  const how = result.failed ?? (status === 'runtime_error'
    ? result.signal !== null ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`
    : `ended with ${status}`)
  return { verdict: 'internal_error', message: `the checker failed: it ${how}${said === '' ? '' : `: ${said}`}`, cleanup }
}

export interface JudgedTests {
  tests: TestReport[]
  /** What the cleanup after the last test run could not remove; null when the launcher died. */
  cleanup: string[] | null
}

const round = (value: number) => Math.round(value * 100) / 100

/** A stream's bytes as text: whole for the checker, and cut to `maxBytes` for the report. */
/** A stream's output: whole as text (what is judged), and cut to maxBytes as the report gives it (text, or base64). */
function textOf (
  chunks: OutputChunk[], stream: 'stdout' | 'stderr', maxBytes: number, base64 = false
): { whole: string, cut: string, wasCut: boolean } {
  const bytes = Buffer.concat(chunks.filter((chunk) => chunk.stream === stream).map((chunk) => chunk.data))
  const wasCut = bytes.length > maxBytes
  return { whole: bytes.toString('utf8'), cut: (wasCut ? bytes.subarray(0, maxBytes) : bytes).toString(base64 ? 'base64' : 'utf8'), wasCut }
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
 * of the uid and wipes every writable place: one test cannot leave anything for the next. Each test's
 * verdict is the stage's when the program failed, else the checker's; a checker program runs after the
 * program's cleanup, from its own snapshot. After a cleanup that failed the rest are not run.
 */
export async function runTests (spec: JudgeSpec, run: TestRun): Promise<JudgedTests> {
  const snapshot = takeSnapshot(run.dir, MAX_SNAPSHOT_BYTES)
  const program = spec.checker.type === 'program' ? await prepareChecker(spec.checker, run) : undefined
  // What the compiles left elsewhere (in /tmp, say) goes too: every test starts from the same state.
  let cleanup: string[] | null = await run.stage.launcher.clean(run.stage.uid, run.stage.gid)
  const tests: TestReport[] = []
  const unclean = (after: string) => ({ verdict: 'internal_error' as const, why: `not run: the runner could not be cleaned after ${after}` })
  let stopped: { verdict: Verdict, why: string | null } | undefined = cleanup === null || cleanup.length > 0 ? unclean('the compile') : undefined
  // A checker that does not compile is the judge's failure, never the submission's.
  if (typeof program === 'string') stopped ??= { verdict: 'internal_error', why: program }
  for (const [index, test] of spec.tests.entries()) {
    let report: TestReport
    if (!stopped && run.stopped?.()) stopped = { verdict: 'skipped', why: 'not run: the job was stopped' }
    if (stopped) {
      report = notRun(test, stopped.verdict, stopped.why)
    } else {
      restoreSnapshot(run.dir, snapshot, run.stage.uid, run.stage.gid)
      const result = await runStage({
        ...run.stage, ...run.program, argv: run.argv, stdin: [Buffer.from(test.stdin)], limits: { ...run.runLimits, ...test.limits }, cleanUp: true
      })
      cleanup = result.cleanup ?? null
      const status = stageStatus(result, 'runtime_error')
      const stdout = textOf(result.chunks, 'stdout', spec.outputBytesPerTest, run.base64)
      const stderr = textOf(result.chunks, 'stderr', spec.outputBytesPerTest, run.base64)
      let verdict = VERDICTS[status]
      let message: string | null = null
      const clean = cleanup !== null && cleanup.length === 0
      if (verdict === undefined && test.expectedOutput === undefined) {
        verdict = 'accepted'
        message = 'no expected output: not compared'
      } else if (verdict === undefined && clean && program !== undefined && typeof program !== 'string') {
        const checked = await checkWithProgram(program, run, test, stdout.whole)
        verdict = checked.verdict
        message = checked.message
        cleanup = checked.cleanup
      } else if (verdict === undefined && spec.checker.type !== 'program') {
        const checked = compareOutput(spec.checker, stdout.whole, test.expectedOutput!)
        verdict = checked.accepted ? 'accepted' : 'wrong_answer'
        message = checked.message
      }
      report = {
        name: test.name,
        verdict: verdict ?? 'internal_error',
        exitCode: result.exitCode,
        signal: result.signal,
        cpuMs: round(result.cpuMs),
        wallMs: round(result.wallMs),
        memoryBytes: result.memoryBytes,
        stdout: stdout.cut,
        stderr: result.failed !== null && stderr.whole === '' ? Buffer.from(result.failed).toString(run.base64 ? 'base64' : 'utf8') : stderr.cut,
        ...(run.base64 ? { encoding: 'base64' as const } : {}),
        outputCut: stdout.wasCut || stderr.wasCut,
        checker: verdict === undefined ? 'not checked: the runner could not be cleaned after the program' : message
      }
      if (run.stopped?.() && result.signal === 'SIGKILL') {
        // Killed by the stop, not by its own doing.
        report = { ...report, verdict: 'skipped', checker: 'stopped while it ran' }
      }
      if (cleanup === null || cleanup.length > 0) {
        stopped = unclean('an earlier test')
      } else if (spec.stopOnFirstFailure && report.verdict !== 'accepted') {
        stopped = { verdict: 'skipped', why: null }
      }
    }
    tests.push(report)
    run.onTest?.(index, report)
  }
  return { tests, cleanup }
}
