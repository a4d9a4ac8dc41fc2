import { createHash } from 'node:crypto'
import { request } from 'undici'
import { encodeJob, JOB_CONTENT_TYPE } from '../../runner/src/contract/job-wire'
import { execute, startHostAgent, type HostAgent } from '../helpers/agent'

jest.setTimeout(30000)
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(61001) })
afterAll(async () => { await host.close() })

describe('runner agent: one job', () => {
  test('python reads stdin and answers with its version, timing and a clean report', async () => {
    const { statusCode, body } = await execute(host.url, { language: 'python', code: 'print(input())', stdin: 'hi' })
    expect(statusCode).toBe(200)
    expect(body).toMatchObject({
      language: 'python',
      status: 'ok',
      compile: null,
      run: { stdout: 'hi\n', stderr: '', exitCode: 0, signal: null },
      clean: true
    })
    expect(body.version).toMatch(/^3\.\d+\.\d+$/)
    expect(body.runnerMs).toBeGreaterThanOrEqual(body.run.wallMs)
  })

  test('the program runs as the configured uid with a minimal environment and its args', async () => {
    const code = 'import os, sys\nprint(os.getuid(), os.getgid())\nprint(sorted(os.environ))\nprint(sys.argv[1:])'
    const { body } = await execute(host.url, { language: 'py', code, args: ['a b', '--c'] })
    // python adds LC_CTYPE itself (PEP 538); nothing of the agent's environment reaches the program.
    expect(body.run.stdout).toMatch(/^61001 61001\n\['HOME', 'LANG', (?:'LC_CTYPE', )?'PATH', 'TMPDIR'\]\n\['a b', '--c'\]\n$/)
  })

  test('stderrToStdout: one stream, in the order written, as 2>&1; compileArgs go before the sources', async () => {
    const code = 'import sys\nfor i in range(50):\n    print("out", i, flush=True)\n    print("err", i, file=sys.stderr, flush=True)'
    const { body } = await execute(host.url, { language: 'python', code, stderrToStdout: true })
    const expected = Array.from({ length: 50 }, (_, i) => `out ${i}\nerr ${i}\n`).join('')
    expect([body.run.stdout, body.run.stderr]).toEqual([expected, ''])
    const c = '#include <stdio.h>\nint main(){printf("%d\\n", VALUE);}'
    const compiled = await execute(host.url, { language: 'c', code: c, compileArgs: ['-DVALUE=7'] })
    expect(compiled.body.run.stdout).toBe('7\n')
    const refused = await execute(host.url, { language: 'c', code: c, compileArgs: ['a\u0000b'] })
    expect(refused.statusCode).toBe(400)
  })

  test('javascript and c++ run', async () => {
    const js = await execute(host.url, { language: 'javascript', code: 'console.log(6 * 7)' })
    expect(js.body.run.stdout).toBe('42\n')
    const cpp = await execute(host.url, { language: 'cpp', code: '#include <iostream>\nint main(){std::string s; std::cin >> s; std::cout << s.size() << "\\n";}', stdin: 'abcd' })
    expect(cpp.body.status).toBe('ok')
    expect(cpp.body.compile.exitCode).toBe(0)
    expect(cpp.body.run.stdout).toBe('4\n')
  })

  test('a C compile error is a compile_error with the compiler message, and nothing runs', async () => {
    const { statusCode, body } = await execute(host.url, { language: 'c', code: 'int main() { return 0 }' })
    expect(statusCode).toBe(200)
    expect(body.status).toBe('compile_error')
    expect(body.compile.exitCode).not.toBe(0)
    expect(body.compile.stderr).toMatch(/main\.c:1:\d+: error: expected/)
    expect(body.run).toBeNull()
  })

  test('a non-zero exit and a death by signal are runtime errors', async () => {
    const exit = await execute(host.url, { language: 'python', code: 'import sys\nsys.exit(3)' })
    expect(exit.body).toMatchObject({ status: 'runtime_error', run: { exitCode: 3, signal: null } })
    const segv = await execute(host.url, { language: 'c', code: 'int main(){ volatile int *p = 0; return *p; }' })
    expect(segv.body).toMatchObject({ status: 'runtime_error', run: { exitCode: null, signal: 'SIGSEGV' } })
  })

  test('a program over its run timeout is stopped and reported as timeout', async () => {
    const { body } = await execute(host.url, { language: 'python', code: 'while True: pass', limits: { run: { timeoutMs: 300 } } })
    expect(body.status).toBe('timeout')
    expect(body.run.signal).toBe('SIGKILL')
    expect(body.run.wallMs).toBeGreaterThanOrEqual(290)
    expect(body.run.wallMs).toBeLessThan(5000)
    expect(body.clean).toBe(true)
  })

  test('output over the cap is cut at the cap and the program stopped', async () => {
    const { body } = await execute(host.url, { language: 'python', code: 'while True: print("x" * 1000)', limits: { run: { outputBytes: 65536 } } })
    expect(body.status).toBe('output_limit')
    expect(body.run.truncated).toBe('stdout')
    expect(body.run.stdout.length).toBe(65536)
  })

  test('bad jobs are refused with a code and the agent keeps working', async () => {
    const unknown = await execute(host.url, { language: 'cobol', code: '' })
    expect(unknown).toEqual({ statusCode: 400, body: { error: { code: 'RUNNER_ERR_UNKNOWN_LANGUAGE', message: 'language "cobol" is not supported' } } })
    const badLimit = await execute(host.url, { language: 'python', code: '', limits: { run: { memory: 5 } } })
    expect(badLimit.statusCode).toBe(400)
    expect(badLimit.body.error.code).toBe('RUNNER_ERR_INVALID_FIELD')
    const mistyped = await execute(host.url, { language: 'python', code: 5 })
    expect(mistyped).toEqual({ statusCode: 400, body: { error: { code: 'RUNNER_ERR_INVALID_FIELD', message: 'code must be a string' } } })
    const inLine = await request(`${host.url}/execute`, { method: 'POST', headers: { 'content-type': JOB_CONTENT_TYPE }, body: '{"language":"python","code":"","stdin":"x"}\n' })
    expect(inLine.statusCode).toBe(400)
    expect(await inLine.body.json()).toEqual({ error: { code: 'RUNNER_ERR_INVALID_FIELD', message: 'stdin goes after the job line as raw bytes, not in it' } })
    const json = await request(`${host.url}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"language":"python","code":""}' })
    expect(json.statusCode).toBe(415)
    expect((await json.body.json() as any).error.code).toBe('RUNNER_ERR_CONTENT_TYPE')
    const ok = await execute(host.url, { language: 'python', code: 'print(1)' })
    expect(ok.body.status).toBe('ok')
  })

  test('a streamed job answers NDJSON: its stage, output as it is read (a character split across reads joined), its exit, then the result', async () => {
    const code = 'import sys, time\nsys.stdout.buffer.write(b"a\\xc3"); sys.stdout.flush()\ntime.sleep(0.2)\nsys.stdout.buffer.write(b"\\xa9\\n"); sys.stdout.flush()\ntime.sleep(0.2)\nsys.stderr.write("e\\n")'
    const response = await request(`${host.url}/execute`, { method: 'POST', headers: { 'content-type': JOB_CONTENT_TYPE }, body: encodeJob({ language: 'python', code, stream: true }, '') })
    expect(response.headers['content-type']).toBe('application/x-ndjson')
    const lines = (await response.body.text()).trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.slice(0, -1)).toEqual([
      { type: 'stage', stage: 'run' },
      { type: 'output', stage: 'run', stream: 'stdout', data: 'a' },
      { type: 'output', stage: 'run', stream: 'stdout', data: '\u00e9\n' },
      { type: 'output', stage: 'run', stream: 'stderr', data: 'e\n' },
      { type: 'exit', stage: 'run', status: 'ok', exitCode: 0, signal: null }
    ])
    expect(lines[lines.length - 1]).toMatchObject({ type: 'result', status: 'ok', run: { stdout: 'a\u00e9\n', stderr: 'e\n' }, clean: true })
  })

  test('stdin reaches the program byte for byte: newlines, multi-byte characters, 3 MB', async () => {
    const stdin = 'first line\n{"not": "json"}\n\u00e9\u4e2d\ud83d\ude00\n' + 'y'.repeat(3 * 1024 * 1024)
    const code = 'import sys, hashlib\ndata = sys.stdin.buffer.read()\nprint(len(data), hashlib.sha256(data).hexdigest())'
    const { body } = await execute(host.url, { language: 'python', code, stdin })
    const bytes = Buffer.from(stdin)
    expect(body.run.stdout).toBe(`${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}\n`)
  })
})
