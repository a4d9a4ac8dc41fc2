import { call, containersOf, realApp, testConfig, waitFor } from '../helpers/docker'

jest.setTimeout(180000)
const POOL = 'e2e-warm'
const config = testConfig(POOL, { min: 45, max: 45 })
const { app, pool } = realApp(config)

let base = ''
const inject = (options: string | Parameters<typeof call>[1]) => call(base, typeof options === 'string' ? { url: options } : options)

beforeAll(async () => {
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  await pool.start()
})
afterAll(async () => {
  await app.close()
})

const execute = (payload: unknown) => inject({ method: 'POST', url: '/api/v1/execute', payload })

describe('the warm pool on a real engine', () => {
  test('45 runners come up and /readyz turns ready', async () => {
    const notYet = await inject('/readyz')
    if (notYet.statusCode === 503) expect(notYet.json()).toMatchObject({ status: 'starting', min: 45, max: 45 })
    await waitFor('the pool to reach 45 runners', async () => (await inject('/readyz')).statusCode === 200, 150000)
    expect((await inject('/readyz')).json()).toEqual({ status: 'ready', ready: 45, min: 45, max: 45, queue: 'up' })
    expect(await containersOf(POOL)).toHaveLength(45)
    expect((await inject('/healthz')).json()).toEqual({ status: 'ok' })
  })

  test("the original design's minimal body works as is", async () => {
    const response = await execute({ code: "print('Hello World!')", language: 'python' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({
      language: 'python',
      status: 'ok',
      compile: null,
      run: { stdout: 'Hello World!\n', stderr: '', exitCode: 0, signal: null }
    })
    expect(body.version).toMatch(/^3\.11\.\d+$/)
    expect(Object.keys(body.timing).sort()).toEqual(['queueMs', 'runnerMs', 'totalMs'])
    expect(body.timing.totalMs).toBeGreaterThanOrEqual(body.timing.runnerMs)
  })

  // Issue 13: with default limits, three times the pool's size at once. All 45 programs on 2 cores at
  // once waited for the CPU on their wall clocks, and correct programs got `timeout`; CPU slots keep
  // that wait in the queue, where it is queue time.
  test('three times the pool of mixed jobs at once, with default limits: every answer ok and correct', async () => {
    const programs = [
      { language: 'python', code: 'import sys\nprint(sys.stdin.read().upper())', expected: (n: number) => `PY${n}\n` },
      { language: 'javascript', code: 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log("js"+s))', expected: (n: number) => `jspy${n}\n` },
      { language: 'c', code: '#include <stdio.h>\nint main(){char b[64];scanf("%63s",b);printf("c:%s\\n",b);}', expected: (n: number) => `c:py${n}\n` },
      { language: 'cpp', code: '#include <iostream>\nint main(){std::string s;std::cin>>s;std::cout<<"cpp:"<<s<<std::endl;}', expected: (n: number) => `cpp:py${n}\n` },
      { language: 'python', code: 'import sys\nn = 0\nfor i in range(1500000): n += i\nprint(n, sys.stdin.read())', expected: (n: number) => `1124999250000 py${n}\n` }
    ]
    let mostWaiting = 0
    let mostRunning = 0
    const sampler = setInterval(() => {
      mostWaiting = Math.max(mostWaiting, pool.pending)
      mostRunning = Math.max(mostRunning, pool.running)
    }, 5)
    const results = await Promise.all(Array.from({ length: 135 }, async (_, n) => {
      const program = programs[n % programs.length]
      const response = await execute({ language: program.language, code: program.code, stdin: `py${n}` })
      return { n, program, statusCode: response.statusCode, body: response.json() }
    }))
    clearInterval(sampler)
    for (const { n, program, statusCode, body } of results) {
      expect({ n, statusCode, status: body.status, stdout: body.run?.stdout }).toEqual({ n, statusCode: 200, status: 'ok', stdout: program.expected(n) })
    }
    expect(mostWaiting).toBeGreaterThan(0)
    expect(mostRunning).toBe(pool.maxRunning)
    expect(Math.max(...results.map((r) => r.body.timing.queueMs))).toBeGreaterThan(0)
    await waitFor('every runner back in the pool', () => pool.ready === 45 && pool.borrowed === 0)
  })

  test('a C compile error and a python runtime error give their statuses', async () => {
    const compile = (await execute({ language: 'c', code: 'int main() { return 0 }' })).json()
    expect(compile.status).toBe('compile_error')
    expect(compile.compile.stderr).toMatch(/main\.c:1:\d+: error/)
    expect(compile.run).toBeNull()

    const runtime = (await execute({ language: 'python', code: 'raise ValueError("nope")' })).json()
    expect(runtime.status).toBe('runtime_error')
    expect(runtime.run.exitCode).toBe(1)
    expect(runtime.run.stderr).toMatch(/ValueError: nope/)

    const timeout = (await execute({ language: 'python', code: 'while True: pass', limits: { run: { timeoutMs: 200 } } })).json()
    expect(timeout.status).toBe('timeout')
  })

  describe('bad input gets a 4xx naming the field, and never costs a runner', () => {
    let acquire: jest.SpyInstance
    beforeEach(() => { acquire = jest.spyOn(pool, 'acquire') })
    afterEach(() => {
      expect(acquire).not.toHaveBeenCalled()
      acquire.mockRestore()
    })

    test.each([
      ['a body that is not JSON', { payload: '{"language": "python", "code": ', headers: { 'content-type': 'application/json' } }, 400, 'EXEC_ERR_INVALID_JSON', /not valid JSON/],
      ['an empty body', { payload: '', headers: { 'content-type': 'application/json' } }, 400, 'EXEC_ERR_INVALID_JSON', /empty/],
      ['a missing field', { payload: { language: 'python' } }, 400, 'EXEC_ERR_MISSING_FIELD', /^code \(or files\) is required$/],
      ['a mistyped field', { payload: { language: 'python', code: 'print(1)', stdin: 5 } }, 400, 'EXEC_ERR_INVALID_FIELD', /^stdin must be string$/],
      ['a mistyped nested field', { payload: { language: 'python', code: '', limits: { run: { timeoutMs: '9' } } } }, 400, 'EXEC_ERR_INVALID_FIELD', /^limits\.run\.timeoutMs must be integer$/],
      ['an unknown property', { payload: { language: 'python', code: '', timeout: 5 } }, 400, 'EXEC_ERR_UNKNOWN_FIELD', /^timeout is not a known field$/],
      ['an unknown limit', { payload: { language: 'python', code: '', limits: { run: { timeout: 5 } } } }, 400, 'EXEC_ERR_UNKNOWN_FIELD', /^limits\.run\.timeout is not a known field$/],
      ['a limit over the maximum', { payload: { language: 'python', code: '', limits: { run: { timeoutMs: 15001 } } } }, 400, 'EXEC_ERR_LIMIT_TOO_HIGH', /^limits\.run\.timeoutMs is over the configured maximum of 15000$/],
      ['a memory limit over the maximum', { payload: { language: 'c', code: '', limits: { compile: { memoryBytes: 2 ** 31 } } } }, 400, 'EXEC_ERR_LIMIT_TOO_HIGH', /^limits\.compile\.memoryBytes is over the configured maximum of 1073741824$/],
      ['a zero limit', { payload: { language: 'python', code: '', limits: { run: { processes: 0 } } } }, 400, 'EXEC_ERR_INVALID_FIELD', /^limits\.run\.processes must be >= 1$/],
      ['an unknown language', { payload: { language: 'cobol', code: '' } }, 400, 'EXEC_ERR_UNKNOWN_LANGUAGE', /^language "cobol" is not supported; supported languages: python, javascript, c, cpp, java, rust, go, csharp, haskell, ocaml, fortran, d, r, erlang, sqlite3, ruby, php, lua, perl, bash, typescript, kotlin, octave, pascal$/],
      ['a version we do not have', { payload: { language: 'python', version: '2', code: '' } }, 400, 'EXEC_ERR_UNKNOWN_VERSION', /^version "2" of python is not available; we have python 3\.\d+\.\d+$/],
      ['a version that is no semver range', { payload: { language: 'python', version: 'latest', code: '' } }, 400, 'EXEC_ERR_INVALID_FIELD', /^version must be "\*", a version or a semver range, got "latest"$/],
      ['a body over the size limit', { payload: { language: 'python', code: 'x'.repeat(4 * 1024 * 1024 + 1) } }, 413, 'EXEC_ERR_BODY_TOO_LARGE', /^body is over the limit of 4194304 bytes$/],
      ['a body that is not JSON by content type', { payload: 'print(1)', headers: { 'content-type': 'text/plain' } }, 415, 'EXEC_ERR_UNSUPPORTED_MEDIA_TYPE', /text\/plain/]
    ])('%s', async (_name, request, statusCode, code, message) => {
      const response = await inject({ method: 'POST', url: '/api/v1/execute', ...(request as object) })
      expect(response.statusCode).toBe(statusCode)
      const body = response.json()
      expect(Object.keys(body)).toEqual(['error'])
      expect(body.error.code).toBe(code)
      expect(body.error.message).toMatch(message)
    })

    test('GET /docs is the OpenAPI document of the routes, built from the schemas they validate with', async () => {
      const response = await inject({ method: 'GET', url: '/docs' })
      expect(response.statusCode).toBe(200)
      const doc = response.json()
      expect(doc.openapi).toMatch(/^3\./)
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/execute', '/api/v1/runtimes', '/api/v2/execute', '/api/v2/runtimes', '/healthz', '/readyz', '/metrics']))
      expect(doc.paths['/docs']).toBeUndefined()
      const body = doc.paths['/api/v1/execute'].post.requestBody.content['application/json'].schema
      expect(body.required).toEqual(['language'])
      expect(Object.keys(body.properties)).toEqual(['language', 'version', 'code', 'files', 'stdin', 'args', 'limits'])
      expect(body.properties.files.items.properties.encoding.anyOf.map((option: { enum?: string[], const?: string }) => option.enum?.[0] ?? option.const)).toEqual(['utf8', 'base64'])
      expect(body.properties.limits.properties.run.properties.timeoutMs.maximum).toBe(15000)
      expect(Object.keys(doc.paths['/api/v1/execute'].post.responses)).toEqual(expect.arrayContaining(['200', '4XX', '5XX']))
    })


    test('an unknown route is a 404 with our shape', async () => {
      const response = await inject({ method: 'GET', url: '/api/v1/nothing' })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual({ error: { code: 'EXEC_ERR_NOT_FOUND', message: 'no route GET /api/v1/nothing' } })
    })
  })

  test('a version range we have runs, and the answer names the exact version', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/execute', payload: { language: 'python', version: '>=3.9 <4', code: 'print(1)' } })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ status: 'ok', version: expect.stringMatching(/^3\.\d+\.\d+$/), run: { stdout: '1\n' } })
  })
})
