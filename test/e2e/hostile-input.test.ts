import WebSocket from 'ws'
import { call, listenAndFill, realApp, testConfig } from '../helpers/docker'
import { open, type Client } from '../helpers/socket-client'

// Input built to break the proxy (issue 12): every piece gets a 4xx naming the field, nothing reaches a
// runner, and the proxy goes on answering. Runs the real app on a pool of one real runner.
jest.setTimeout(120000)
const { app, pool, metrics } = realApp(testConfig('e2e-hostile-input', { min: 1, max: 1 }))
let base = ''
let ws = ''

beforeAll(async () => {
  base = await listenAndFill(app, pool, 1)
  ws = base.replace('http', 'ws')
})
afterAll(async () => { await app.close() })

/** The n-th message (from 1) a client hears, come or to come. */
const nth = (client: Client, n: number) => client.next((message) => client.messages.indexOf(message) === n - 1)

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
const healthy = async () => expect((await call(base, { url: '/healthz' })).statusCode).toBe(200)

describe('WebSocket messages that used to stop the service', () => {
  test('a ref nested 200,000 deep is an error naming ref, and the socket and the proxy live on', async () => {
    const client = await open(`${ws}/api/v1/ws?userId=deep`)
    client.socket.send(`{"type": "submit", "ref": ${deep(200000)}, "language": "python", "code": "print(1)"}`)
    expect(await nth(client, 1)).toEqual({ type: 'error', error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'ref nests deeper than 16 levels' } })
    client.socket.send(`{"type": ${deep(200000)}}`)
    expect(await nth(client, 2)).toEqual({ type: 'error', error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'type nests deeper than 16 levels' } })
    client.socket.send(`{"type": "submit", "ref": "${'r'.repeat(1000)}", "language": "python", "code": "print(1)"}`)
    expect(await nth(client, 3)).toEqual({ type: 'error', error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'ref must be a number or a string of at most 128 characters' } })
    client.socket.send(JSON.stringify({ type: ['submit'] }))
    expect(await nth(client, 4)).toEqual({ type: 'error', error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'type must be "submit", "cancel", "stdin", "eof" or "signal", got an array' } })
    client.socket.send(JSON.stringify({ type: 'submit', ref: 7, language: 'python', code: 'print(1)', args: ['a', 'b\u0000c'] }))
    expect(await nth(client, 5)).toEqual({ type: 'error', ref: 7, error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'args[1] must not contain a NUL byte' } })
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    client.socket.close()
    await healthy()
  })

  test('Piston\'s connect: a deep message is its error and close 4002; a NUL in args too', async () => {
    const deepOne = await open(`${ws}/api/v2/connect`)
    deepOne.socket.send(`{"type": "init", "language": "python", "files": ${deep(100000)}}`)
    expect((await deepOne.closed).code).toBe(4002)
    expect(deepOne.messages).toEqual([{ type: 'error', message: 'files nests deeper than 16 levels' }])
    const nul = await open(`${ws}/api/v2/connect`)
    nul.socket.send(JSON.stringify({ type: 'init', language: 'python', files: [{ content: 'print(1)' }], args: ['\u0000'] }))
    expect((await nul.closed).code).toBe(4002)
    expect(nul.messages).toEqual([{ type: 'error', message: 'args[0] must not contain a NUL byte' }])
    await healthy()
  })

  test('a user id past 128 characters on the WebSocket is a 400', async () => {
    const answer = await call(base, { url: `/api/v1/ws?userId=${'u'.repeat(200)}` })
    expect(answer.statusCode).toBe(400)
    expect(answer.json()).toEqual({ error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'userId must have at most 128 characters' } })
  })
})

describe('arguments the launcher cannot take are a 400 naming them, on every API', () => {
  const code = 'import sys\nprint(sys.argv[1:])'
  test.each([
    ['a NUL byte', ['a', 'b\u0000c'], 'args[1] must not contain a NUL byte'],
    ['a 200 KiB argument', ['x'.repeat(200 * 1024)], 'args[0] is 204800 bytes; an argument may have at most 65536'],
    ['256 KiB in all', Array.from({ length: 5 }, () => 'y'.repeat(60000)), 'args hold 300000 bytes together; at most 262144 are allowed']
  ])('%s', async (_name, args, message) => {
    const v1 = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code, args } })
    expect(v1.statusCode).toBe(400)
    expect(v1.json()).toEqual({ error: { code: 'EXEC_ERR_INVALID_FIELD', message } })
    const piston = await call(base, { url: '/api/v2/execute', payload: { language: 'python', files: [{ content: code }], args } })
    expect(piston.statusCode).toBe(400)
    expect(piston.json()).toEqual({ message })
    const submission = await call(base, { url: '/api/v1/submissions', payload: { userId: 'a', language: 'python', code, args } })
    expect(submission.statusCode).toBe(400)
    expect(submission.json().error.message).toBe(message)
  })

  test('5,000 arguments on Piston\'s API', async () => {
    const answer = await call(base, { url: '/api/v2/execute', payload: { language: 'python', files: [{ content: code }], args: Array.from({ length: 5000 }, (_, i) => String(i)) } })
    expect(answer.statusCode).toBe(400)
    expect(answer.json()).toEqual({ message: 'args must NOT have more than 256 items' })
  })

  test('separators and odd bytes that are allowed reach the program unchanged', async () => {
    const args = ['two words', 'x\ny', 'PATH=/evil', '', '\u00e9\u{1F600}']
    const answer = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'import sys, json\nprint(json.dumps(sys.argv[1:]))', args } })
    expect(JSON.parse(answer.json().run.stdout)).toEqual(args)
  })
})

describe('strings are capped before anything parses them', () => {
  test('a 3.9 MB version on Piston\'s API is a 400 naming it, and the proxy answers meanwhile', async () => {
    const health = healthy()
    const answer = await call(base, { url: '/api/v2/execute', payload: { language: 'python', version: '>=1.0.0 '.repeat(500000), files: [{ content: 'print(1)' }] } })
    expect(answer.statusCode).toBe(400)
    expect(answer.json()).toEqual({ message: 'version must NOT have more than 64 characters' })
    await health
  })

  test('a long language name is a 400 on both APIs', async () => {
    expect((await call(base, { url: '/api/v2/execute', payload: { language: 'p'.repeat(100), files: [{ content: '' }] } })).json()).toEqual({ message: 'language must NOT have more than 64 characters' })
    expect((await call(base, { url: '/api/v1/execute', payload: { language: 'p'.repeat(100), code: '' } })).json()).toEqual({ error: { code: 'EXEC_ERR_INVALID_FIELD', message: 'language must NOT have more than 64 characters' } })
  })
})

describe('afterwards', () => {
  test('none of it reached a runner (one job ran: the one with allowed separators), and the runner still serves', async () => {
    const executions = (await metrics.executions.get()).values.reduce((sum, sample) => sum + sample.value, 0)
    expect(executions).toBe(1)
    const normal = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'print("fine")' } })
    expect(normal.json()).toMatchObject({ status: 'ok', run: { stdout: 'fine\n' } })
  })
})
