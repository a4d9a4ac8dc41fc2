// The verdict scenarios (issue 13), run against a warm proxy with the default limits of every request:
// whether correct programs stay `ok` when three times the pool is sent at once, and whether the CPU time a
// job reports depends on the load.
import { request } from 'undici'

/** The mixed jobs of the overload scenario, each with the output it must give. */
const OVERLOAD_PROGRAMS = [
  { language: 'python', code: "print('Hello World!')", expected: 'Hello World!\n' },
  { language: 'javascript', code: "console.log('Hello World!')", expected: 'Hello World!\n' },
  { language: 'c', code: '#include <stdio.h>\nint main(void) { puts("Hello World!"); return 0; }\n', expected: 'Hello World!\n' },
  // About 160 ms of CPU.
  { language: 'python', code: 'n = 0\nfor i in range(2000000): n += i\nprint(n)', expected: '1999999000000\n' }
]

/** A CPU-bound program whose CPU time is compared alone and among concurrent jobs. */
const CPU_BOUND = { language: 'python', code: 'n = 0\nfor i in range(2000000): n += i\nprint(n)', expected: '1999999000000\n' }

interface Answer { statusCode: number, status?: string, stdout?: string, cpuMs?: number, queueMs?: number }

async function execute (base: string, program: { language: string, code: string }): Promise<Answer> {
  try {
    const response = await request(`${base}/api/v1/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: program.language, code: program.code }),
      headersTimeout: 300000,
      bodyTimeout: 300000
    })
    const body = await response.body.json() as { status?: string, run?: { stdout?: string, cpuMs?: number }, timing?: { queueMs?: number } }
    return { statusCode: response.statusCode, status: body.status, stdout: body.run?.stdout, cpuMs: body.run?.cpuMs, queueMs: body.timing?.queueMs }
  } catch {
    return { statusCode: 0 }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

export interface OverloadResult {
  jobs: number
  correct: number
  /** Answers by status (and `wrong output` for an ok with another output, `http N` for no answer). */
  outcomes: Record<string, number>
  seconds: number
  maxQueueMs: number
}

/** `jobs` mixed jobs sent at once; every one must be `ok` with its output. */
export async function overloadVerdicts (base: string, jobs: number): Promise<OverloadResult> {
  const started = performance.now()
  const answers = await Promise.all(Array.from({ length: jobs }, async (_, n) => {
    const program = OVERLOAD_PROGRAMS[n % OVERLOAD_PROGRAMS.length]
    return { program, answer: await execute(base, program) }
  }))
  const outcomes: Record<string, number> = {}
  let correct = 0
  for (const { program, answer } of answers) {
    const wrongOutput = answer.status === 'ok' && answer.stdout !== program.expected
    const key = answer.statusCode !== 200 ? `http ${answer.statusCode}` : wrongOutput ? 'wrong output' : answer.status ?? 'none'
    outcomes[key] = (outcomes[key] ?? 0) + 1
    if (answer.statusCode === 200 && answer.status === 'ok' && answer.stdout === program.expected) correct++
  }
  const maxQueueMs = Math.max(0, ...answers.map(({ answer }) => answer.queueMs ?? 0))
  return { jobs, correct, outcomes, seconds: round((performance.now() - started) / 1000, 2), maxQueueMs: round(maxQueueMs) }
}

export interface CpuSpreadResult {
  aloneMs: number
  loadedMs: number
  ratio: number
  aloneRuns: number
  loadedRuns: number
  /** Answers that were not `ok` with the right output (they are left out of the medians). */
  wrong: number
}

/** The CPU-bound program's median cpuMs run alone, one after another, and `concurrency` at once. */
export async function cpuTimeSpread (base: string, aloneRuns: number, concurrency: number): Promise<CpuSpreadResult> {
  const alone: number[] = []
  let wrong = 0
  const keep = (answer: Answer, into: number[]) => {
    if (answer.status === 'ok' && answer.stdout === CPU_BOUND.expected && answer.cpuMs !== undefined) into.push(answer.cpuMs)
    else wrong++
  }
  for (let i = 0; i < aloneRuns; i++) keep(await execute(base, CPU_BOUND), alone)
  const loaded: number[] = []
  for (const answer of await Promise.all(Array.from({ length: concurrency }, async () => await execute(base, CPU_BOUND)))) keep(answer, loaded)
  const aloneMs = median(alone)
  const loadedMs = median(loaded)
  return { aloneMs: round(aloneMs, 2), loadedMs: round(loadedMs, 2), ratio: round(loadedMs / aloneMs, 3), aloneRuns, loadedRuns: concurrency, wrong }
}
