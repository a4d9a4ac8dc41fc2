// Jobe's sustained-throughput check (its testsubmit.py --perf, check_sustained_load): one language's
// simplest run sent to /restapi/runs at a steady rate over a window, the rate raised while every answer
// is right and on time, as testsubmit raises it (by 1 under 10 jobs/s, then by 20%). A round fails when an
// answer is wrong or refused, or lags: the last answer later than `lagMs` after the last send (a queue
// growing). The best rate passed is the sustained throughput, reported per core beside Jobe's figures.
import { cpus } from 'node:os'
import { request } from 'undici'

/** testsubmit.py's first program in each language, and Jobe's README's figures (8 cores: jobs/s). */
const JOBS: Record<string, { runSpec: object, stdout: string, jobePerSecond: number, jobeCores: number }> = {
  c: {
    runSpec: {
      language_id: 'c',
      sourcefilename: 'prog.c',
      sourcecode: '#include <stdio.h>\nint main() {\n    printf("Hello world\\nIsn\'t this fun!\\n");\n}\n'
    },
    stdout: "Hello world\nIsn't this fun!\n",
    jobePerSecond: 18,
    jobeCores: 8
  },
  python3: {
    runSpec: { language_id: 'python3', sourcefilename: 'test.py', sourcecode: 'print("Hello world!")\n' },
    stdout: 'Hello world!\n',
    jobePerSecond: 18,
    jobeCores: 8
  },
  cpp: {
    runSpec: {
      language_id: 'cpp', sourcefilename: 'prog.cpp',
      sourcecode: '#include <iostream>\nusing namespace std;\nint main() {\n    cout << "Hello world\\nIsn\'t this fun!\\n";\n}\n'
    },
    stdout: "Hello world\nIsn't this fun!\n",
    jobePerSecond: 5,
    jobeCores: 8
  }
}

export interface JobeThroughput {
  language: string
  /** The best rate every answer of a window kept up with, jobs/s; 0 when even the first failed. */
  sustained: number
  perCore: number
  jobePerCore: number
  /** perCore / jobePerCore. */
  ratio: number
  rounds: Array<{ rate: number, sent: number, right: number, lastAnswerMs: number, ok: boolean }>
}

async function runOnce (base: string, runSpec: object): Promise<{ outcome?: number, stdout?: string }> {
  const response = await request(`${base}/restapi/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ run_spec: runSpec }),
    headersTimeout: 300000,
    bodyTimeout: 300000
  })
  return await response.body.json() as { outcome?: number, stdout?: string }
}

/** One window at `rate` jobs/s: every answer right, and the last within lagMs of the last send. */
async function round (base: string, language: string, rate: number, windowSeconds: number, lagMs: number) {
  const job = JOBS[language]
  const count = Math.max(1, Math.round(rate * windowSeconds))
  const started = performance.now()
  const answers: Array<Promise<boolean>> = []
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    answers.push(runOnce(base, job.runSpec).then((answer) => answer.outcome === 15 && answer.stdout === job.stdout, () => false))
  }
  const lastSent = performance.now()
  const right = (await Promise.all(answers)).filter(Boolean).length
  const lastAnswerMs = Math.round(performance.now() - lastSent)
  return { rate, sent: count, right, lastAnswerMs, ok: right === count && lastAnswerMs <= lagMs }
}

export async function jobeSustained (
  base: string, language: string, { startRate = 2, windowSeconds = 10, lagMs = 2000, maxRounds = 30 } = {}
): Promise<JobeThroughput> {
  const rounds: JobeThroughput['rounds'] = []
  let rate = startRate
  let sustained = 0
  for (let i = 0; i < maxRounds; i++) {
    const result = await round(base, language, rate, windowSeconds, lagMs)
    rounds.push(result)
    if (!result.ok) break
    sustained = rate
    rate = rate < 10 ? rate + 1 : Math.floor(rate * 1.2)
  }
  const cores = cpus().length
  const job = JOBS[language]
  const perCore = Math.round((sustained / cores) * 100) / 100
  const jobePerCore = Math.round((job.jobePerSecond / job.jobeCores) * 1000) / 1000
  return { language, sustained, perCore, jobePerCore, ratio: Math.round((perCore / jobePerCore) * 100) / 100, rounds }
}
