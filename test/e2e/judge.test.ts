import { parseConfig } from '../../proxy/src/config'
import { call, listenAndFill, realApp, waitFor } from '../helpers/docker'
import { open } from '../helpers/socket-client'

// Issue 15: judge mode on real containers. Compiled once, many tests, a checker, a verdict per test.
jest.setTimeout(180000)

const { app, pool } = realApp(parseConfig({
  poolName: 'e2e-judge',
  pool: { min: 2, max: 2, acquireTimeoutMs: 60000 },
  judge: { maxTests: 20, maxTotalInputBytes: 64 * 1024, outputBytesPerTest: 256 }
}))
let base = ''
beforeAll(async () => { base = await listenAndFill(app, pool, 2) })
afterAll(async () => { await app.close() })

const judge = async (body: object) => {
  const reply = await call(base, { url: '/api/v1/judge', payload: body })
  return { statusCode: reply.statusCode, body: reply.json() }
}
const verdicts = (body: any) => body.tests.map((test: any) => test.verdict)

const SUM_CPP = '#include <iostream>\nint main(){long a, b; std::cin >> a >> b; std::cout << a + b << "\\n";}'

test('C++ is compiled once for every test, each judged by lines; the summary adds them up', async () => {
  const tests = Array.from({ length: 10 }, (_, i) => ({ name: `t${i}`, stdin: `${i} ${i}\n`, expectedOutput: `${i === 7 ? 0 : 2 * i}\n` }))
  const { statusCode, body } = await judge({ language: 'cpp', code: SUM_CPP, tests })
  expect(statusCode).toBe(200)
  expect(body.verdict).toBe('wrong_answer')
  expect(verdicts(body)).toEqual(tests.map((_, i) => i === 7 ? 'wrong_answer' : 'accepted'))
  expect(body.summary).toMatchObject({ passed: 9, total: 10, compiles: 1 })
  expect(body.compile).toMatchObject({ status: 'ok' })
  expect(body.tests[7]).toMatchObject({ name: 't7', stdout: '14\n', checker: 'the 1st line differs: expected "0", found "14"' })
  expect(body.summary.maxCpuMs).toBe(Math.max(...body.tests.map((test: any) => test.cpuMs)))
})

test('each checker accepts what it should and rejects the rest', async () => {
  const echo = 'import sys\nsys.stdout.write(sys.stdin.read())'
  const cases: Array<[object, string, string, string]> = [
    [{ type: 'exact' }, '3\n', '3\n', 'accepted'], [{ type: 'exact' }, '3 \n', '3\n', 'wrong_answer'],
    [{ type: 'lines' }, '3  \n\n', '3', 'accepted'], [{ type: 'lines' }, ' 3\n', '3\n', 'wrong_answer'],
    [{ type: 'tokens' }, '1\n2  3', '1 2 3\n', 'accepted'], [{ type: 'tokens' }, '1 2', '1 2 3', 'wrong_answer'],
    [{ type: 'float', absolute: 0.01 }, '3.145', '3.14159', 'accepted'], [{ type: 'float', absolute: 0.001 }, '3.145', '3.14159', 'wrong_answer'],
    [{ type: 'float', relative: 0.01 }, '1005', '1000', 'accepted'], [{ type: 'float' }, '1.0001', '1', 'wrong_answer']
  ]
  for (const [checker, output, expectedOutput, verdict] of cases) {
    const { body } = await judge({ language: 'python', code: echo, checker, tests: [{ stdin: output, expectedOutput }] })
    expect([checker, output, body.verdict]).toEqual([checker, output, verdict])
  }
})

test('every verdict, each from a real program; the overall verdict is the first test not accepted', async () => {
  const code = [
    'import os, sys',
    'what = sys.stdin.read().strip()',
    'if what == "loop":',
    '    while True: pass',
    'if what == "exit": sys.exit(3)',
    'if what == "segv": os.kill(os.getpid(), 11)',
    'if what == "flood": sys.stdout.write("x" * 100000)',
    'if what == "hog": b = bytearray(300 * 1024 * 1024)',
    'print("ok")'
  ].join('\n')
  const limits = { cpuTimeMs: 500, timeoutMs: 2000, outputBytes: 1000, memoryBytes: 128 * 1024 * 1024 }
  const tests = ['ok', 'wrong', 'loop', 'exit', 'segv', 'flood', 'hog'].map((what) => ({ name: what, stdin: what, expectedOutput: what === 'wrong' ? 'ko' : 'ok', limits }))
  const { body } = await judge({ language: 'python', code, tests })
  expect(verdicts(body)).toEqual(['accepted', 'wrong_answer', 'time_limit', 'runtime_error', 'runtime_error', 'output_limit', 'memory_limit'])
  expect(body.verdict).toBe('wrong_answer')
  expect(body.tests[3]).toMatchObject({ exitCode: 3, signal: null })
  expect(body.tests[4]).toMatchObject({ signal: 'SIGSEGV' })
  // Each report's output is cut to judge.outputBytesPerTest.
  expect(body.tests[5]).toMatchObject({ stdout: 'x'.repeat(256), outputCut: true })

  const broken = await judge({ language: 'c', code: 'int main( {', tests: [{ expectedOutput: '' }, { expectedOutput: '' }] })
  expect(broken.body).toMatchObject({ verdict: 'compile_error', tests: [], summary: { passed: 0, total: 2, compiles: 1 } })
  expect(broken.body.compile.stderr).toMatch(/error/)
})

test('a file one test writes, in its directory or in /tmp, is gone for the next', async () => {
  const code = [
    'import os',
    'found = [p for p in ("left.txt", "/tmp/left.txt", "/dev/shm/left.txt") if os.path.exists(p)]',
    'print("found " + " ".join(found) if found else "clean")',
    'for p in ("left.txt", "/tmp/left.txt", "/dev/shm/left.txt"): open(p, "w").write("answer")'
  ].join('\n')
  const { body } = await judge({ language: 'python', code, tests: [1, 2, 3].map(() => ({ expectedOutput: 'clean' })) })
  expect(body.tests.map((test: any) => test.stdout)).toEqual(['clean\n', 'clean\n', 'clean\n'])
})

test('stopOnFirstFailure skips the rest', async () => {
  const { body } = await judge({
    language: 'python', code: 'print(input())', stopOnFirstFailure: true,
    tests: [{ stdin: 'a', expectedOutput: 'a' }, { stdin: 'b', expectedOutput: 'x' }, { stdin: 'c', expectedOutput: 'c' }]
  })
  expect(verdicts(body)).toEqual(['accepted', 'wrong_answer', 'skipped'])
  expect(body.summary).toMatchObject({ passed: 1, total: 3 })
})

test("a checker program, called as testlib's: its exit status is the verdict, its words the message", async () => {
  // Accepts the answer in any case; 2 (presentation) when the output has no trailing newline.
  const checker = [
    'import sys',
    'inp, out, ans = (open(p).read() for p in sys.argv[1:4])',
    'if out.strip().lower() != ans.strip().lower():',
    '    print(f"expected {ans.strip()!r}, got {out.strip()!r}"); sys.exit(1)',
    'if not out.endswith("\\n"):',
    '    print("no newline at the end"); sys.exit(2)',
    'print("ok, for input " + inp.strip())'
  ].join('\n')
  const code = 'import sys\nw = input()\nsys.stdout.write(w.upper() + ("" if w == "pe" else "\\n"))'
  const { body } = await judge({
    language: 'python', code, checker: { type: 'program', language: 'python', code: checker },
    tests: [{ stdin: 'abc', expectedOutput: 'abc' }, { stdin: 'abc', expectedOutput: 'abd' }, { stdin: 'pe', expectedOutput: 'PE' }]
  })
  expect(body.tests.map((test: any) => [test.verdict, test.checker])).toEqual([
    ['accepted', 'ok, for input abc'], ['wrong_answer', "expected 'abd', got 'ABC'"], ['presentation_error', 'no newline at the end']
  ])
  expect(body.verdict).toBe('wrong_answer')
})

test('a checker program that crashes, loops, exits otherwise or does not compile is internal_error, never the submission\'s verdict', async () => {
  const run = async (checker: object) => (await judge({ language: 'python', code: 'print(1)', checker, tests: [{ expectedOutput: '1' }, { expectedOutput: '1' }] })).body
  const crashes = await run({ type: 'program', language: 'python', code: 'import os\nos.kill(os.getpid(), 11)' })
  expect(crashes.tests.map((test: any) => test.verdict)).toEqual(['internal_error', 'internal_error'])
  expect(crashes.tests[0].checker).toMatch(/^the checker failed: it was killed by SIGSEGV/)
  const exits = await run({ type: 'program', language: 'bash', code: 'echo odd; exit 3' })
  expect(exits.tests[0]).toMatchObject({ verdict: 'internal_error', checker: 'the checker failed: it exited with 3: odd' })
  const loops = await run({ type: 'program', language: 'python', code: 'while True: pass' })
  expect(loops).toMatchObject({ verdict: 'internal_error', tests: [{ verdict: 'internal_error' }, { verdict: 'internal_error' }] })
  expect(loops.tests[0].checker).toMatch(/^the checker failed: it ended with timeout/)
  const broken = await run({ type: 'program', language: 'c', code: 'int main( {' })
  expect(broken.tests.map((test: any) => test.verdict)).toEqual(['internal_error', 'internal_error'])
  expect(broken.tests[0].checker).toMatch(/^the checker does not compile: /)
  await waitFor('the pool full again', () => pool.available === 2)
})

test('bad input is a 400 naming the field, before any runner is used', async () => {
  const program = { language: 'python', code: 'print(1)' }
  const cases: Array<[object, string, string]> = [
    [{ ...program }, 'EXEC_ERR_MISSING_FIELD', 'tests is required'],
    [{ ...program, tests: [] }, 'EXEC_ERR_INVALID_FIELD', 'tests must NOT have fewer than 1 items'],
    [{ ...program, tests: Array.from({ length: 21 }, () => ({ expectedOutput: '' })) }, 'EXEC_ERR_INVALID_FIELD', 'tests must NOT have more than 20 items'],
    [{ ...program, tests: [{ expectedOutput: '1' }, { stdin: '' }] }, 'EXEC_ERR_MISSING_FIELD', 'tests[1].expectedOutput is required'],
    [{ ...program, tests: [{ expectedOutput: '1' }], checker: { type: 'regex' } }, 'EXEC_ERR_INVALID_FIELD', 'checker.type'],
    [{ ...program, tests: [{ expectedOutput: '1' }], checker: { type: 'lines', absolute: 1 } }, 'EXEC_ERR_INVALID_FIELD', 'checker.absolute applies only to the float checker'],
    [{ ...program, tests: [{ expectedOutput: 'x'.repeat(70000) }] }, 'EXEC_ERR_INVALID_FIELD', 'tests hold 70000 bytes of stdin and expectedOutput'],
    [{ ...program, tests: [{ expectedOutput: '1', limits: { timeoutMs: 999999 } }] }, 'EXEC_ERR_LIMIT_TOO_HIGH', 'tests.0.limits.timeoutMs is over the configured maximum'],
    [{ ...program, stdin: 'x', tests: [{ expectedOutput: '1' }] }, 'EXEC_ERR_UNKNOWN_FIELD', 'stdin is not a known field'],
    [{ language: 'cobol', code: '', tests: [{ expectedOutput: '1' }] }, 'EXEC_ERR_UNKNOWN_LANGUAGE', 'language "cobol"'],
    [{ ...program, tests: [{ expectedOutput: '1' }], checker: { type: 'program', language: 'cobol', code: '' } }, 'EXEC_ERR_INVALID_FIELD', 'checker.language "cobol" is not supported'],
    [{ ...program, tests: [{ expectedOutput: '1' }], checker: { type: 'program', code: '' } }, 'EXEC_ERR_MISSING_FIELD', 'checker.language is required'],
    [{ ...program, tests: [{ expectedOutput: '1' }], checker: { type: 'lines', code: '' } }, 'EXEC_ERR_INVALID_FIELD', 'checker.code applies only to a checker program']
  ]
  const startsBefore = pool.available + pool.borrowed
  for (const [body, code, message] of cases) {
    const answer = await judge(body)
    expect([answer.statusCode, answer.body.error.code]).toEqual([400, code])
    expect(answer.body.error.message).toContain(message)
  }
  expect(pool.available + pool.borrowed).toBe(startsBefore)
  const submitted = await call(base, { url: '/api/v1/submissions', payload: { ...program, userId: 'u', checker: { type: 'exact' } } })
  expect(submitted.json().error).toEqual({ code: 'EXEC_ERR_INVALID_FIELD', message: 'checker comes only with tests' })
})

test("asynchronously: a submission with tests, its test events over the WebSocket in order, then done with the judge's answer", async () => {
  const client = await open(`${base.replace('http', 'ws')}/api/v1/ws?userId=judge`)
  const tests = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, stdin: `${i} 1\n`, expectedOutput: `${i + 1}\n` }))
  client.send({ type: 'submit', ref: 1, language: 'cpp', code: SUM_CPP, tests })
  const done = await client.next((message) => message.type === 'done')
  const events = client.messages.filter((message: any) => message.type === 'test')
  expect(events.map((event: any) => [event.index, event.test.name, event.test.verdict])).toEqual(tests.map((test, i) => [i, test.name, 'accepted']))
  expect(done.result).toMatchObject({ verdict: 'accepted', summary: { passed: 5, total: 5, compiles: 1 } })
  const view = await call(base, { url: `/api/v1/submissions/${done.id}` })
  expect(view.json().result).toMatchObject({ verdict: 'accepted', tests: expect.any(Array) })
  client.send({ type: 'submit', ref: 2, interactive: true, language: 'python', code: 'print(1)', tests: [{ expectedOutput: '1' }] })
  const refused = await client.next((message) => message.ref === 2)
  expect(refused.error).toEqual({ code: 'EXEC_ERR_INVALID_FIELD', message: 'interactive cannot come with tests' })
  client.socket.close()
  await waitFor('the pool full again', () => pool.available === 2)
})
