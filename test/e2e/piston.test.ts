import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { resolve } from 'node:path'
import { call, listenAndFill, realApp, testConfig } from '../helpers/docker'

// Piston's v2 API: its shapes, its errors, and its own npm client pointed at us unchanged.
jest.setTimeout(180000)
const { app, pool } = realApp(testConfig('e2e-piston', { min: 2, max: 2 }))
let base = ''

beforeAll(async () => { base = await listenAndFill(app, pool, 2) })
afterAll(async () => { await app.close() })

const execute = (payload: object) => call(base, { url: '/api/v2/execute', payload })

test('GET /api/v2/runtimes has Piston\'s shape', async () => {
  const runtimes = (await call(base, { url: '/api/v2/runtimes' })).json()
  expect(runtimes.find((r: { language: string }) => r.language === 'python')).toEqual({ language: 'python', version: '3.11.2', aliases: ['py', 'python3'] })
  for (const runtime of runtimes) expect(Object.keys(runtime).sort()).toEqual(['aliases', 'language', 'version'])
})

test('a run answers in Piston\'s shape, with output interleaved', async () => {
  const answer = (await execute({
    language: 'python',
    version: '3.x',
    // Pauses between writes, so that the launcher reads them one by one, in the order written.
    files: [{ name: 'main.py', content: 'import sys, time\nprint("out", flush=True)\ntime.sleep(0.05)\nprint("err", file=sys.stderr, flush=True)\ntime.sleep(0.05)\nprint(sys.argv[1:], input())' }],
    stdin: 'in',
    args: ['a'],
    run_timeout: 3000,
    run_memory_limit: -1
  })).json()
  expect(answer).toEqual({
    language: 'python',
    version: '3.11.2',
    run: {
      stdout: "out\n['a'] in\n",
      stderr: 'err\n',
      output: "out\nerr\n['a'] in\n",
      code: 0,
      signal: null,
      message: null,
      status: null,
      cpu_time: expect.any(Number),
      wall_time: expect.any(Number),
      memory: expect.any(Number)
    }
  })
})

test('statuses: RE, SG, TO, OL, EL; a compile failure repeats compile as run', async () => {
  const run = async (language: string, content: string, extra: object = {}) => (await execute({ language, files: [{ content }], ...extra })).json()
  expect((await run('python', 'raise SystemExit(2)')).run).toMatchObject({ status: 'RE', code: 2, message: 'exited with code 2' })
  expect((await run('c', 'int main(){ return *(volatile int*)0; }')).run).toMatchObject({ status: 'SG', signal: 'SIGSEGV' })
  expect((await run('python', 'while True: pass', { run_timeout: 300 })).run).toMatchObject({ status: 'TO' })
  expect((await run('python', 'while True: print("x" * 1000)')).run).toMatchObject({ status: 'OL' })
  expect((await run('python', 'import sys\nwhile True: sys.stderr.write("x" * 1000)')).run).toMatchObject({ status: 'EL' })
  const broken = await run('c', 'int main() { return 0 }')
  expect(broken.compile).toMatchObject({ status: 'RE', code: 1 })
  expect(broken.run).toEqual(broken.compile)
  const encoded = await run('python', Buffer.from('print("b64")').toString('base64'))
  expect(encoded.run.status).toBe('RE')
  const decoded = (await execute({ language: 'python', files: [{ content: Buffer.from('print("b64")').toString('base64'), encoding: 'base64' }] })).json()
  expect(decoded.run.stdout).toBe('b64\n')
})

test("errors take Piston's shape, 400 {message}", async () => {
  const unknown = await execute({ language: 'cobol', version: '*', files: [{ content: '' }] })
  expect([unknown.statusCode, unknown.json()]).toEqual([400, { message: 'cobol-* runtime is unknown' }])
  const version = await execute({ language: 'python', version: '2.7', files: [{ content: '' }] })
  expect([version.statusCode, version.json()]).toEqual([400, { message: 'python-2.7 runtime is unknown; we have python-3.11.2' }])
  const tooLong = await execute({ language: 'python', files: [{ content: '' }], run_timeout: 10 ** 9 })
  expect([tooLong.statusCode, tooLong.json()]).toEqual([400, { message: 'run_timeout cannot exceed the configured limit of 15000' }])
  const noFiles = await execute({ language: 'python', files: [] })
  expect(noFiles.statusCode).toBe(400)
  expect(Object.keys(noFiles.json())).toEqual(['message'])
})

test('the piston-client package from npm works against us unchanged', async () => {
  // piston-client is an ES module: it runs in its own node process, as its users run it.
  const script = `
    import piston from 'piston-client'
    const client = piston({ server: ${JSON.stringify(base)} })
    const runtimes = await client.runtimes()
    const result = await client.execute('python', 'import sys\\nprint(sys.argv[1:])')
    const c = await client.execute({ language: 'c', version: '*' , files: [{ content: '#include <stdio.h>\\nint main(){puts("hi from c");}' }] })
    console.log(JSON.stringify({ languages: runtimes.map((r) => r.language), python: result.run.stdout, c: c.run.stdout, compiled: c.compile.code }))
  `
  // Asynchronously: the server answering it lives in this process.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: resolve(__dirname, '../..'), timeout: 60000 })
  const answer = JSON.parse(stdout)
  expect(answer.languages).toContain('python')
  // The client sends args ["1", "2", "3"] unless told otherwise.
  expect(answer.python).toBe("['1', '2', '3']\n")
  expect(answer.c).toBe('hi from c\n')
  expect(answer.compiled).toBe(0)
})
