import { parseConfig } from '../../proxy/src/config'
import { call, listenAndFill, realApp, waitFor } from '../helpers/docker'

// Issue 16 (a first slice): Judge0 CE v1.13.1's API under /judge0, called as its documentation shows
// its users calling it, on real containers.
jest.setTimeout(180000)

const { app, pool } = realApp(parseConfig({ poolName: 'e2e-judge0', pool: { min: 2, max: 2, acquireTimeoutMs: 60000 } }))
let base = ''
beforeAll(async () => { base = await listenAndFill(app, pool, 2) })
afterAll(async () => { await app.close() })

/** A small Judge0 client, as Judge0's docs call the API. */
const judge0 = {
  async submit (body: object, query = 'wait=true') {
    const reply = await call(base, { url: `/judge0/submissions?${query}`, payload: body })
    return { statusCode: reply.statusCode, body: reply.text === '' ? null : reply.json() }
  },
  async get (token: string, query = '') {
    const reply = await call(base, { url: `/judge0/submissions/${token}${query === '' ? '' : `?${query}`}` })
    return { statusCode: reply.statusCode, body: reply.json() }
  }
}

test('statuses and languages in Judge0\'s shapes, with Judge0\'s ids and our versions', async () => {
  const statuses = (await call(base, { url: '/judge0/statuses' })).json()
  expect(statuses).toHaveLength(14)
  expect(statuses[0]).toEqual({ id: 1, description: 'In Queue' })
  expect(statuses[6]).toEqual({ id: 7, description: 'Runtime Error (SIGSEGV)' })
  const languages = (await call(base, { url: '/judge0/languages' })).json()
  expect(languages.find((language: any) => language.id === 71)).toEqual({ id: 71, name: `Python (${pool.versions.python})` })
  expect(languages.map((language: any) => language.id)).not.toContain(48)
  const names = languages.map((language: any) => language.name)
  expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)))
  const all = (await call(base, { url: '/judge0/languages/all' })).json()
  expect(all.find((language: any) => language.id === 52)).toEqual({ id: 52, name: `C++ (GCC ${pool.versions.cpp})`, is_archived: false })
  const c = (await call(base, { url: '/judge0/languages/50' })).json()
  expect(c).toMatchObject({ id: 50, is_archived: false, source_file: 'main.c', compile_cmd: expect.stringContaining('gcc'), run_cmd: './main' })
  expect((await call(base, { url: '/judge0/languages/9999' })).statusCode).toBe(404)
})

test('wait=true answers the default fields, as Judge0 does, and the token reads the same afterwards', async () => {
  const { statusCode, body } = await judge0.submit({ source_code: 'print(input())', language_id: 71, stdin: 'hello', expected_output: 'hello' })
  expect(statusCode).toBe(201)
  expect(Object.keys(body).sort()).toEqual(['compile_output', 'memory', 'message', 'status', 'stderr', 'stdout', 'time', 'token'])
  expect(body).toMatchObject({ stdout: 'hello\n', stderr: null, compile_output: null, message: null, status: { id: 3, description: 'Accepted' } })
  expect(body.time).toMatch(/^\d+\.\d+$/)
  expect(Number.isInteger(body.memory)).toBe(true)
  const again = await judge0.get(body.token, 'fields=token,stdout,status,language,cpu_time_limit,memory_limit,exit_code')
  expect(again.body).toEqual({
    token: body.token, stdout: 'hello\n', status: { id: 3, description: 'Accepted' }, language: { id: 71, name: `Python (${pool.versions.python})` },
    cpu_time_limit: '5.0', memory_limit: 128000, exit_code: 0
  })
})

test('wait=false answers a token; the submission is read by it once done; fields=* and unknown fields', async () => {
  const { statusCode, body } = await judge0.submit({ source_code: '#include <stdio.h>\nint main(){puts("c");return 0;}', language_id: 50 }, '')
  expect([statusCode, Object.keys(body)]).toEqual([201, ['token']])
  let view: any
  await waitFor('done', async () => {
    view = (await judge0.get(body.token, 'fields=*')).body
    return view.status.id > 2
  })
  expect(view).toMatchObject({ status_id: 3, stdout: 'c\n', language_id: 50, source_code: expect.stringContaining('puts'), wall_time_limit: '10.0', number_of_runs: 1 })
  expect(Object.keys(view)).toHaveLength(35)
  expect(view.finished_at >= view.created_at).toBe(true)
  expect(await judge0.get(body.token, 'fields=stdout,nope,also')).toEqual({ statusCode: 400, body: { error: 'invalid fields: [nope, also]' } })
  expect((await judge0.get('no-such-token')).statusCode).toBe(404)
})

test('base64 both ways', async () => {
  const encode = (text: string) => Buffer.from(text).toString('base64')
  const { body } = await judge0.submit({ source_code: encode('import sys\nprint(sys.stdin.read()[::-1])'), language_id: 71, stdin: encode('été') }, 'wait=true&base64_encoded=true')
  expect(Buffer.from(body.stdout, 'base64').toString()).toBe('été\n')
  expect(body.status.id).toBe(3)
  const read = await judge0.get(body.token, 'base64_encoded=true&fields=stdin,stdout')
  expect(read.body).toEqual({ stdin: encode('été'), stdout: body.stdout })
})

test('every status a real program can give, each as its signal or exit code says', async () => {
  const python = (code: string, extra: object = {}) => judge0.submit({ source_code: code, language_id: 71, ...extra })
  const c = (code: string) => judge0.submit({ source_code: `#include <stdio.h>\n#include <stdlib.h>\n#include <signal.h>\nint main(){${code}}`, language_id: 50 })
  const cases: Array<[Promise<any>, number, string | null]> = [
    [python('print(1)', { expected_output: '2' }), 4, null],
    [python('while True: pass', { cpu_time_limit: 0.5 }), 5, 'Time limit exceeded'],
    [judge0.submit({ source_code: 'int main( {', language_id: 50 }), 6, null],
    [c('raise(SIGSEGV); return 0;'), 7, 'Caught fatal signal 11'],
    [python('print("x" * 5000)', { max_file_size: 1 }), 8, 'Output limit exceeded (stdout)'],
    [c('int a = atoi("7"); volatile int z = 0; return a / z;'), 9, 'Caught fatal signal 8'],
    [c('abort();'), 10, 'Caught fatal signal 6'],
    [python('import sys\nsys.exit(3)'), 11, 'Exited with error status 3'],
    [c('raise(SIGTERM); return 0;'), 12, 'Caught fatal signal 15'],
    [python('b = bytearray(300 * 1024 * 1024)', { memory_limit: 65536 }), 12, 'Memory limit exceeded']
  ]
  for (const [answer, id, message] of cases) {
    const { body } = await answer
    expect([body.status.id, body.message]).toEqual([id, message])
  }
  const compiled = (await cases[2][0]).body
  expect(compiled.compile_output).toMatch(/error/)
  const crashed = await judge0.get((await cases[3][0]).body.token, 'fields=exit_code,exit_signal')
  expect(crashed.body).toEqual({ exit_code: 0, exit_signal: 11 })
})

test("the 422s, every problem by field, as Judge0 writes them", async () => {
  const { statusCode, body } = await judge0.submit({ language_id: 9999, cpu_time_limit: 99, memory_limit: 'lots', enable_network: true, number_of_runs: 0 })
  expect(statusCode).toBe(422)
  expect(body).toEqual({
    source_code: ["can't be blank"],
    language_id: ["language with id 9999 doesn't exist"],
    number_of_runs: ['must be greater than or equal to 1'],
    cpu_time_limit: ['must be less than or equal to 15'],
    memory_limit: ['must be an integer'],
    enable_network: ['programs never have a network here: runners have none at all']
  })
  expect((await judge0.submit({ source_code: 'print(1)', language_id: 71, wall_time_limit: 18 })).body)
    .toEqual({ wall_time_limit: ["must be less than or equal to 15 (this server's maximum)"] })
  await waitFor('the pool full again', () => pool.available === 2)
})

describe('with API keys', () => {
  const KEY_A = 'judge0-key-a-0123456789'
  const KEY_B = 'judge0-key-b-0123456789'
  const keyed = realApp(parseConfig({
    poolName: 'e2e-judge0-keys', pool: { min: 1, max: 1 }, auth: { keys: { [KEY_A]: 'a', [KEY_B]: 'b' } }, submissions: { maxQueued: 1 }
  }))
  let keyedBase = ''
  beforeAll(async () => { keyedBase = await listenAndFill(keyed.app, keyed.pool, 1) })
  afterAll(async () => { await keyed.app.close() })

  test('X-Auth-Token is the key: none is a 401 with no body, and a token sees only its own submissions', async () => {
    const body = { source_code: 'print(7)', language_id: 71 }
    const refused = await call(keyedBase, { url: '/judge0/submissions?wait=true', payload: body })
    expect([refused.statusCode, refused.text]).toEqual([401, ''])
    const mine = await call(keyedBase, { url: '/judge0/submissions?wait=true', payload: body, headers: { 'x-auth-token': KEY_A } })
    expect(mine.json()).toMatchObject({ stdout: '7\n', status: { id: 3 } })
    const token = mine.json().token
    expect((await call(keyedBase, { url: `/judge0/submissions/${token}?X-Auth-Token=${KEY_A}` })).json().stdout).toBe('7\n')
    expect((await call(keyedBase, { url: `/judge0/submissions/${token}`, headers: { 'x-auth-token': KEY_B } })).statusCode).toBe(404)
  })
  test("a full queue is Judge0's 503 {error: 'queue is full'}", async () => {
    const headers = { 'x-auth-token': KEY_A }
    const slow = { source_code: 'import time\ntime.sleep(2)', language_id: 71 }
    const first = await call(keyedBase, { url: '/judge0/submissions', payload: slow, headers })
    await waitFor('the first running', async () => (await call(keyedBase, { url: `/judge0/submissions/${first.json().token}`, headers })).json().status.id === 2)
    expect((await call(keyedBase, { url: '/judge0/submissions', payload: slow, headers })).statusCode).toBe(201)
    const full = await call(keyedBase, { url: '/judge0/submissions', payload: slow, headers })
    expect([full.statusCode, full.json()]).toEqual([503, { error: 'queue is full' }])
  })
})
