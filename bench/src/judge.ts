// Judge mode against what Judge0's batch does (issue 15): one submission with 50 tests, compiled once and
// run once per test, against the same 50 sent as separate executes that each compile (all at once: the
// pool runs them on every CPU slot). Each answer is checked.
import { request } from 'undici'

export interface JudgeComparison {
  language: string
  tests: number
  judgeMs: number
  executesMs: number
  /** executesMs / judgeMs: how many times faster the judge graded the same tests. */
  ratio: number
  /** Tests the judge accepted, and executes that answered ok with the right output. */
  accepted: number
  executesRight: number
}

const PROGRAMS: Record<string, string> = {
  cpp: '#include <iostream>\nint main(){long a, b; std::cin >> a >> b; std::cout << a + b << "\\n";}\n',
  python: 'a, b = map(int, input().split())\nprint(a + b)\n'
}

interface Answer {
  status?: string
  run?: { stdout?: string }
  tests?: Array<{ verdict: string }>
}

async function post (base: string, path: string, body: object): Promise<Answer> {
  const response = await request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: 600000,
    bodyTimeout: 600000
  })
  return await response.body.json() as Answer
}

export async function judgeAgainstExecutes (base: string, language: string, count = 50): Promise<JudgeComparison> {
  const code = PROGRAMS[language]
  const tests = Array.from({ length: count }, (_, i) => ({ name: String(i + 1), stdin: `${i} ${i * 7}\n`, expectedOutput: `${i * 8}\n` }))
  let started = performance.now()
  const judged = await post(base, '/api/v1/judge', { language, code, tests })
  const judgeMs = performance.now() - started
  started = performance.now()
  const answers = await Promise.all(tests.map((test) => post(base, '/api/v1/execute', { language, code, stdin: test.stdin })))
  const executesMs = performance.now() - started
  const round = (value: number) => Math.round(value * 10) / 10
  return {
    language,
    tests: count,
    judgeMs: round(judgeMs),
    executesMs: round(executesMs),
    ratio: Math.round((executesMs / judgeMs) * 100) / 100,
    accepted: (judged.tests ?? []).filter((test) => test.verdict === 'accepted').length,
    executesRight: answers.filter((answer, i) => answer.status === 'ok' && answer.run?.stdout === tests[i].expectedOutput).length
  }
}
