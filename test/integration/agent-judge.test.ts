import { execute, startHostAgent, type HostAgent } from '../helpers/agent'

// Issue 15: a judge job on the agent, with the real launcher: compiled once, each test from the compiled
// state, nothing of one test left for the next, a verdict per test.
jest.setTimeout(60000)
const UID = 61015
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })

const judge = (tests: object[], extra: object = {}) => ({
  tests, checker: { type: 'lines' }, stopOnFirstFailure: false, outputBytesPerTest: 1024, ...extra
})
const test1 = (name: string, stdin: string, expectedOutput: string, limits?: object) =>
  ({ name, stdin, expectedOutput, ...(limits ? { limits } : {}) })

describe('runner agent: a judge job', () => {
  test('C++ is compiled once and each test judged by the checker', async () => {
    const code = '#include <iostream>\nint main(){long a, b; std::cin >> a >> b; std::cout << a + b << "\\n";}'
    const { statusCode, body } = await execute(host.url, {
      language: 'cpp', code, judge: judge([test1('1', '1 2\n', '3\n'), test1('2', '5 5\n', '10  \n\n'), test1('3', '2 2\n', '5\n')])
    })
    expect(statusCode).toBe(200)
    expect(body).toMatchObject({ status: 'ok', compiles: 1, run: null, clean: true })
    expect(body.compile).toMatchObject({ status: 'ok' })
    expect(body.tests.map((test: any) => [test.name, test.verdict, test.stdout])).toEqual([
      ['1', 'accepted', '3\n'], ['2', 'accepted', '10\n'], ['3', 'wrong_answer', '4\n']
    ])
    expect(body.tests[2].checker).toBe('the 1st line differs: expected "5", found "4"')
    expect(body.tests[0].cpuMs).toBeGreaterThanOrEqual(0)
  })

  test('a file one test writes, in its directory or in /tmp, is gone for the next', async () => {
    // The agent's /tmp here is its own wipe dir, whose path each test is told.
    const code = [
      'import os, sys',
      'tmp = sys.stdin.read().strip()',
      'found = [p for p in ("left.txt", os.path.join(tmp, "left.txt")) if os.path.exists(p)]',
      'print("found" if found else "clean")',
      'open("left.txt", "w").write("answer")',
      'open(os.path.join(tmp, "left.txt"), "w").write("answer")'
    ].join('\n')
    const tmp = `${host.base}/tmp`
    const { body } = await execute(host.url, { language: 'python', code, judge: judge([test1('a', tmp, 'clean'), test1('b', tmp, 'clean'), test1('c', tmp, 'clean')]) })
    expect(body.tests.map((test: any) => test.verdict)).toEqual(['accepted', 'accepted', 'accepted'])
    expect(body.compiles).toBe(0)
  })

  test('every stage verdict, and stopOnFirstFailure skips the rest', async () => {
    const code = [
      'import sys, time',
      'what = sys.stdin.read().strip()',
      'if what == "loop":',
      '    while True: pass',
      'if what == "crash": sys.exit(3)',
      'if what == "flood": sys.stdout.write("x" * 100000)',
      'if what == "hog": b = bytearray(300 * 1024 * 1024)',
      'print("ok")'
    ].join('\n')
    const limits = { cpuTimeMs: 500, timeoutMs: 2000, outputBytes: 1000, memoryBytes: 128 * 1024 * 1024 }
    const { body } = await execute(host.url, {
      language: 'python', code,
      judge: judge([test1('ok', 'ok', 'ok'), test1('loop', 'loop', 'ok', limits), test1('crash', 'crash', 'ok'), test1('flood', 'flood', 'ok', limits),
        test1('hog', 'hog', 'ok', limits)])
    })
    expect(body.tests.map((test: any) => test.verdict)).toEqual(['accepted', 'time_limit', 'runtime_error', 'output_limit', 'memory_limit'])
    expect(body.tests[2]).toMatchObject({ exitCode: 3, checker: null })
    expect(body.tests[3].outputCut).toBe(false)

    const stopped = await execute(host.url, {
      language: 'python', code, judge: judge([test1('1', 'ok', 'ok'), test1('2', 'crash', 'ok'), test1('3', 'ok', 'ok')], { stopOnFirstFailure: true })
    })
    expect(stopped.body.tests.map((test: any) => test.verdict)).toEqual(['accepted', 'runtime_error', 'skipped'])
  })

  test('a compile error runs no test', async () => {
    const { body } = await execute(host.url, { language: 'c', code: 'int main( {', judge: judge([test1('1', '', '')]) })
    expect(body).toMatchObject({ status: 'compile_error', compiles: 1, tests: [] })
  })

  test('outputs are cut to outputBytesPerTest in the report, and judged whole', async () => {
    const { body } = await execute(host.url, {
      language: 'python', code: 'print("y" * 5000)', judge: judge([test1('1', '', 'y'.repeat(5000))], { outputBytesPerTest: 100 })
    })
    expect(body.tests[0]).toMatchObject({ verdict: 'accepted', stdout: 'y'.repeat(100), outputCut: true })
  })

  test('a test without an expected output is accepted whatever it prints (Judge0\'s runs without one), unless it fails', async () => {
    const { body } = await execute(host.url, {
      language: 'python', code: 'import sys\nn = int(input())\nprint(n)\nsys.exit(n)',
      judge: judge([{ name: '1', stdin: '0' }, { name: '2', stdin: '3' }])
    })
    expect(body.tests.map((test: any) => [test.verdict, test.checker])).toEqual([
      ['accepted', 'no expected output: not compared'], ['runtime_error', null]
    ])
  })

  test('with outputBase64, each test\'s output is the base64 of its bytes, judged as text', async () => {
    const { body } = await execute(host.url, {
      language: 'python', code: 'import sys\nsys.stdout.buffer.write(b"\\xfe ok\\n")', outputBase64: true,
      judge: judge([test1('1', '', '\uFFFD ok')])
    })
    expect(body.tests[0]).toMatchObject({ verdict: 'accepted', encoding: 'base64', stdout: Buffer.from([0xfe, 0x20, 0x6f, 0x6b, 0x0a]).toString('base64') })
  })
})
