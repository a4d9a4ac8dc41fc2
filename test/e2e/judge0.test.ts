import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseConfig } from '../../proxy/src/config'
import { call, listenAndFill, realApp, waitFor } from '../helpers/docker'
import { makeZip } from '../helpers/zip'
import docs from '../fixtures/judge0/docs-examples.json'

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
  // Judge0's Ruby writes base64 in lines of 60, each ended by a newline.
  expect(read.body).toEqual({ stdin: `${encode('été')}\n`, stdout: body.stdout })
  expect(body.stdout).toMatch(/\n$/)
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

test('output that is not UTF-8: raw bytes in base64, and as text Judge0\'s conversion error', async () => {
  const binary = '#include <stdio.h>\nint main(){putchar(0xFE); putchar(0xFF); putchar(10); fputs("caf\\xC3\\xA9", stderr); return 0;}'
  const waited = await judge0.submit({ source_code: binary, language_id: 50 })
  const error = 'some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter'
  expect([waited.statusCode, waited.body]).toEqual([201, { token: expect.any(String), error }])
  const token = waited.body.token
  expect(await judge0.get(token, 'base64_encoded=true&fields=stdout,stderr,status_id'))
    .toEqual({ statusCode: 200, body: { stdout: '/v8K\n', stderr: 'Y2Fmw6k=\n', status_id: 3 } })
  expect(await judge0.get(token)).toEqual({ statusCode: 400, body: { error } })
  // Only what is asked for is converted: stderr alone is UTF-8.
  expect((await judge0.get(token, 'fields=stderr,status_id')).body).toEqual({ stderr: 'café', status_id: 3 })
  const batch = await call(base, { url: `/judge0/submissions/batch?tokens=${token}` })
  expect([batch.statusCode, batch.json().error]).toEqual([400, expect.stringContaining('one or more submissions cannot be converted to UTF-8')])
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
    .toEqual({ wall_time_limit: ['must be less than or equal to 15'] })
  await waitFor('the pool full again', () => pool.available === 2)
})

/** An answer as Judge0's docs show it, its run's own values (token, time, memory) taken from ours. */
function asDocs (documented: Record<string, unknown>, ours: Record<string, unknown>) {
  const variable = ['token', 'time', 'memory'].filter((field) => field in documented)
  for (const field of variable) expect(typeof ours[field]).toBe(typeof documented[field])
  return { ...documented, ...Object.fromEntries(variable.map((field) => [field, ours[field]])) }
}

test("Judge0's documented examples answer as its docs show (fixtures from docs/api)", async () => {
  for (const example of [docs.create_wait, docs.create_no_language, docs.create_unknown_language, docs.get_base64]) {
    const { statusCode, body } = await judge0.submit(example.body, example.query)
    expect([example.doc, statusCode]).toEqual([example.doc, example.status])
    expect(body).toEqual(asDocs(example.answer, body))
  }
  const batch = await call(base, { url: '/judge0/submissions/batch', payload: docs.batch_create.body })
  expect(batch.statusCode).toBe(docs.batch_create.status)
  const tokens = batch.json().map((entry: { token: string }) => entry.token)
  expect(tokens).toHaveLength(3)
  let shown: any
  await waitFor('the batch done', async () => {
    shown = (await call(base, { url: `/judge0/submissions/batch?tokens=${tokens.join(',')}&${docs.batch_show.query}` })).json()
    return shown.submissions.every((entry: any) => entry.status_id > 2)
  })
  expect(shown).toEqual({ submissions: docs.batch_show.answer.submissions.map((entry, index) => ({ ...entry, token: tokens[index] })) })
  const mixed = await call(base, { url: '/judge0/submissions/batch', payload: docs.batch_create_with_errors.body })
  expect(mixed.statusCode).toBe(201)
  expect(mixed.json()).toEqual(docs.batch_create_with_errors.answer.map((entry) => 'token' in entry ? { token: expect.any(String) } : entry))
})

test('batches: at most 20, at least one, unknown tokens null, all refused a 422', async () => {
  const one = { source_code: 'print(1)', language_id: 71 }
  const over = await call(base, { url: '/judge0/submissions/batch', payload: { submissions: Array(21).fill(one) } })
  expect([over.statusCode, over.json()]).toEqual([400, { error: 'number of submissions in a batch should be less than or equal to 20' }])
  const none = await call(base, { url: '/judge0/submissions/batch', payload: { submissions: [] } })
  expect([none.statusCode, none.json()]).toEqual([400, { error: 'there should be at least one submission in a batch' }])
  const refused = await call(base, { url: '/judge0/submissions/batch', payload: { submissions: [{ language_id: 71 }] } })
  expect([refused.statusCode, refused.json()]).toEqual([422, [{ source_code: ["can't be blank"] }]])
  const unknown = await call(base, { url: '/judge0/submissions/batch?tokens=nope,nada', headers: {} })
  expect(unknown.json()).toEqual({ submissions: [null, null] })
  expect((await call(base, { url: '/judge0/submissions/batch?tokens=' })).statusCode).toBe(400)
  expect((await call(base, { url: '/judge0/submissions/batch?tokens=a&fields=bogus' })).json()).toEqual({ error: 'invalid fields: [bogus]' })
})

test('compiler_options reach the compiler, before the source; a bad one is the compiler\'s error', async () => {
  const program = '#include <stdio.h>\nint main(){\n#ifdef ANSWER\nprintf("%d\\n", ANSWER);\n#else\nputs("none");\n#endif\n}'
  const defined = await judge0.submit({ source_code: program, language_id: 50, compiler_options: '-DANSWER=42 -O0' })
  expect([defined.body.status.id, defined.body.stdout]).toEqual([3, '42\n'])
  const plain = await judge0.submit({ source_code: program, language_id: 54 })
  expect(plain.body.stdout).toBe('none\n')
  const bad = await judge0.submit({ source_code: program, language_id: 50, compiler_options: '--no-such-option' })
  expect(bad.body.status.id).toBe(6)
  expect(bad.body.compile_output).toMatch(/no-such-option/)
})

test('redirect_stderr_to_stdout: both streams in stdout, in the order written', async () => {
  const code = 'import sys\nprint("one", flush=True)\nprint("two", file=sys.stderr, flush=True)\nprint("three", flush=True)'
  const merged = await judge0.submit({ source_code: code, language_id: 71, redirect_stderr_to_stdout: true })
  expect([merged.body.stdout, merged.body.stderr]).toEqual(['one\ntwo\nthree\n', null])
  const apart = await judge0.submit({ source_code: code, language_id: 71 })
  expect([apart.body.stdout, apart.body.stderr]).toEqual(['one\nthree\n', 'two\n'])
})

test('number_of_runs: run that many times from one compile, stopping at the first run not accepted', async () => {
  const counter = '#include <stdio.h>\nint main(){int n; if (scanf("%d", &n) != 1) return 1; printf("%d\\n", n * 2); return 0;}'
  const runs = await judge0.submit({ source_code: counter, language_id: 50, stdin: '21', expected_output: '42', number_of_runs: 5 }, 'wait=true&fields=*')
  expect(runs.body).toMatchObject({ status: { id: 3 }, stdout: '42\n', number_of_runs: 5, exit_code: 0 })
  expect(runs.body.time).toMatch(/^\d+\.\d+$/)
  const wrong = await judge0.submit({ source_code: counter, language_id: 50, stdin: '1', expected_output: '3', number_of_runs: 5 })
  expect(wrong.body.status.id).toBe(4)
  const crash = await judge0.submit({ source_code: 'import sys\nsys.exit(2)', language_id: 71, number_of_runs: 4 })
  expect([crash.body.status.id, crash.body.message]).toEqual([11, 'Exited with error status 2'])
})

test('additional_files: the zip is unpacked next to the program', async () => {
  const zip = makeZip([{ name: 'data.txt', data: 'from the zip\n', deflate: true }, { name: 'helpers/util.py', data: 'WORD = "util"\n' }])
  const code = 'import sys\nsys.path.insert(0, "helpers")\nimport util\nprint(open("data.txt").read().strip(), util.WORD)'
  const { body } = await judge0.submit({ source_code: code, language_id: 71, additional_files: zip.toString('base64') }, 'wait=true&fields=stdout,stderr,status,additional_files')
  expect([body.status.id, body.stdout, body.stderr]).toEqual([3, 'from the zip util\n', null])
  expect(Buffer.from(body.additional_files, 'base64').equals(zip)).toBe(true)
  const bomb = makeZip([{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024), deflate: true }])
  const refused = await judge0.submit({ source_code: code, language_id: 71, additional_files: bomb.toString('base64') })
  expect([refused.statusCode, refused.body]).toEqual([422, { additional_files: ['unpacks to more than 4194304 bytes'] }])
})

test('callback_url: the result PUT there once done, base64, default fields; a dead one holds nothing up', async () => {
  const received: Array<{ method: string, type: string, body: any }> = []
  const listener = createServer((request: IncomingMessage, response) => {
    let text = ''
    request.on('data', (chunk) => { text += chunk })
    request.on('end', () => {
      received.push({ method: request.method!, type: request.headers['content-type']!, body: JSON.parse(text) })
      response.end()
    })
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/judge0-callback`
    const { body } = await judge0.submit({ source_code: 'print("called back")', language_id: 71, callback_url: url }, '')
    await waitFor('the callback', () => received.length === 1)
    expect(received[0]).toEqual({
      method: 'PUT',
      type: 'application/json',
      body: {
        token: body.token, stdout: `${Buffer.from('called back\n').toString('base64')}\n`, stderr: null, compile_output: null, message: null,
        status: { id: 3, description: 'Accepted' }, time: expect.any(String), memory: expect.any(Number)
      }
    })
    // Nothing listens on the port now: the tries fail at once, and the submission is done regardless.
    await new Promise((resolve) => listener.close(resolve))
    const dead = await judge0.submit({ source_code: 'print(2)', language_id: 71, callback_url: url })
    expect([dead.body.status.id, dead.body.stdout]).toEqual([3, '2\n'])
  } finally {
    listener.close()
  }
})

test('information: /about names Judge0 1.13.1, /config_info, /workers from the pool, /system_info', async () => {
  const about = (await call(base, { url: '/judge0/about' })).json()
  expect(about).toMatchObject({ version: '1.13.1', maintainer: expect.stringContaining('codeexec') })
  expect((await call(base, { url: '/judge0/version' })).text).toBe('1.13.1')
  const info = (await call(base, { url: '/judge0/config_info' })).json()
  expect(info).toMatchObject({ enable_wait_result: true, max_wall_time_limit: 15, max_submission_batch_size: 20, enable_network: false })
  await waitFor('the pool full again', () => pool.available === 2)
  expect((await call(base, { url: '/judge0/workers' })).json()).toEqual([
    { queue: '1.13.1', size: 0, available: 2, idle: 2, working: 0, paused: 0, failed: expect.any(Number) }
  ])
  expect((await call(base, { url: '/judge0/system_info' })).json()).toMatchObject({ Architecture: expect.any(String), 'CPU(s)': expect.any(String), Mem: expect.any(String) })
  expect((await call(base, { method: 'POST', url: '/judge0/authenticate' })).statusCode).toBe(200)
  // No X-Auth-User configured: authorizing and listing are refused, as in Judge0 without AUTHZ_TOKEN.
  expect((await call(base, { method: 'POST', url: '/judge0/authorize' })).statusCode).toBe(403)
  expect((await call(base, { url: '/judge0/submissions' })).statusCode).toBe(403)
})

describe('with API keys', () => {
  const KEY_A = 'judge0-key-a-0123456789'
  const KEY_B = 'judge0-key-b-0123456789'
  const ADMIN = 'judge0-admin-0123456789'
  const keyed = realApp(parseConfig({
    poolName: 'e2e-judge0-keys',
    pool: { min: 1, max: 1 },
    auth: { keys: { [KEY_A]: 'a', [KEY_B]: 'b' } },
    submissions: { maxQueued: 1 },
    judge0: { authUsers: [ADMIN] }
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
  test('every call is authenticated; X-Auth-User authorizes and lists every submission, newest first, by page', async () => {
    expect((await call(keyedBase, { url: '/judge0/statuses' })).statusCode).toBe(401)
    expect((await call(keyedBase, { url: '/judge0/statuses', headers: { 'x-auth-token': KEY_B } })).statusCode).toBe(200)
    expect((await call(keyedBase, { method: 'POST', url: '/judge0/authenticate', headers: { 'x-auth-token': 'wrong-key-0123456789' } })).statusCode).toBe(401)
    const headers = { 'x-auth-token': KEY_A, 'x-auth-user': ADMIN }
    expect((await call(keyedBase, { method: 'POST', url: '/judge0/authorize', headers })).statusCode).toBe(200)
    expect((await call(keyedBase, { method: 'POST', url: '/judge0/authorize', headers: { 'x-auth-token': KEY_A, 'x-auth-user': KEY_A } })).statusCode).toBe(403)
    for (const [key, word] of [[KEY_A, 'first'], [KEY_B, 'second'], [KEY_A, 'third']]) {
      await call(keyedBase, { url: '/judge0/submissions?wait=true', payload: { source_code: `print("${word}")`, language_id: 71 }, headers: { 'x-auth-token': key } })
    }
    const page = await call(keyedBase, { url: '/judge0/submissions?per_page=2&fields=stdout', headers })
    expect(page.json().submissions.slice(0, 2)).toEqual([{ stdout: 'third\n' }, { stdout: 'second\n' }])
    const { meta } = page.json()
    expect(meta).toMatchObject({ current_page: 1, prev_page: null, next_page: 2 })
    expect(meta.total_pages).toBe(Math.ceil(meta.total_count / 2))
    const last = await call(keyedBase, { url: `/judge0/submissions?per_page=2&page=${meta.total_pages}`, headers })
    expect(last.json().meta).toMatchObject({ next_page: null, prev_page: meta.total_pages - 1 })
    expect((await call(keyedBase, { url: '/judge0/submissions?page=0', headers })).json()).toEqual({ error: 'invalid page: 0' })
    expect((await call(keyedBase, { url: '/judge0/submissions', headers: { 'x-auth-token': KEY_A } })).statusCode).toBe(403)
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
