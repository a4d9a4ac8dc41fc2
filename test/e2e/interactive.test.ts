import { parseConfig } from '../../proxy/src/config'
import { call, listenAndFill, realApp, waitFor } from '../helpers/docker'
import { open, type Client } from '../helpers/socket-client'

// Interactive runs on real containers: stdin sent while the program runs, signals, and every limit still
// holding, over our WebSocket and over Piston's /api/v2/connect.
jest.setTimeout(180000)

const ECHO = 'import sys\nfor line in sys.stdin:\n    print("echo:" + line.strip(), flush=True)\nprint("bye")'

describe('interactive runs', () => {
  const { app, pool } = realApp(parseConfig({ poolName: 'e2e-interactive', pool: { min: 2, max: 2, acquireTimeoutMs: 60000 } }))
  let base = ''
  let ws = ''
  beforeAll(async () => {
    base = await listenAndFill(app, pool, 2)
    ws = base.replace('http', 'ws')
  })
  afterAll(async () => { await app.close() })

  let refs = 0
  async function submitInteractive (client: Client, body: object): Promise<string> {
    const ref = ++refs
    client.send({ type: 'submit', ref, interactive: true, ...body })
    const answer = await client.next((m) => m.ref === ref)
    if (answer.type !== 'submitted') throw new Error(`not submitted: ${JSON.stringify(answer)}`)
    return answer.id
  }

  test('over /api/v1/ws: each line sent while the program runs is echoed before the next is sent; eof ends it', async () => {
    const client = await open(`${ws}/api/v1/ws?userId=echoer`)
    const id = await submitInteractive(client, { language: 'python', code: ECHO, stdin: 'first\n' })
    expect(id).toEqual(expect.any(String))
    await client.next((m) => m.type === 'stdout' && m.data.includes('echo:first'))
    for (const word of ['second', 'troisi\u00e8me']) {
      client.send({ type: 'stdin', id, data: `${word}\n` })
      const echoed = await client.next((m) => m.type === 'stdout' && m.data.includes(`echo:${word}`))
      expect(echoed).toMatchObject({ id, stage: 'run' })
      expect(client.messages.some((m) => m.type === 'done')).toBe(false)
    }
    client.send({ type: 'eof', id })
    const done = await client.next((m) => m.type === 'done')
    expect(done.result).toMatchObject({ status: 'ok', run: { stdout: 'echo:first\necho:second\necho:troisi\u00e8me\nbye\n', exitCode: 0 } })
    expect(client.messages.map((m) => m.type).filter((type) => type !== 'stdout')).toEqual(['queued', 'submitted', 'running', 'done'])
    expect(done.result.run.wallMs).toBeLessThan(15000)
    // Kept as any submission.
    const view = (await call(base, { url: `/api/v1/submissions/${id}` })).json()
    expect(view).toMatchObject({ state: 'done', result: { status: 'ok' } })
    client.socket.close()
  })

  test('a signal reaches the program, and the wall clock holds for a program waiting for input', async () => {
    const client = await open(`${ws}/api/v1/ws?userId=signaller`)
    const id = await submitInteractive(client, { language: 'bash', code: 'echo ready; sleep 30; echo never' })
    await client.next((m) => m.type === 'stdout' && m.id === id && m.data === 'ready\n')
    client.send({ type: 'signal', id, signal: 'SIGTERM' })
    const done = await client.next((m) => m.type === 'done' && m.id === id)
    expect(done.result).toMatchObject({ status: 'runtime_error', run: { stdout: 'ready\n', signal: 'SIGTERM' } })

    const waiting = await submitInteractive(client, { language: 'python', code: 'input()', limits: { run: { timeoutMs: 1000 } } })
    const timedOut = await client.next((m) => m.type === 'done' && m.id === waiting)
    expect(timedOut.result).toMatchObject({ status: 'timeout' })
    expect(timedOut.result.run.wallMs).toBeGreaterThanOrEqual(1000)
    client.socket.close()
  })

  test('bad input messages get an error naming the field, and the run goes on', async () => {
    const client = await open(`${ws}/api/v1/ws?userId=clumsy`)
    const id = await submitInteractive(client, { language: 'python', code: ECHO })
    client.send({ type: 'stdin', id: 'nope', data: 'x\n' })
    client.send({ type: 'signal', id, signal: 'SIGNOPE' })
    client.send({ type: 'stdin', id, data: 42 })
    client.send({ type: 'submit', interactive: 'yes', language: 'python', code: '' })
    await waitFor('four errors', () => client.messages.filter((m) => m.type === 'error').length === 4)
    const errors = client.messages.filter((m) => m.type === 'error').map((m) => m.error)
    expect(errors.map((error) => error.code)).toEqual(Array(4).fill('EXEC_ERR_INVALID_FIELD'))
    expect(errors.map((error) => error.message.split(' ')[0])).toEqual(['id', 'signal', 'data', 'interactive'])
    client.send({ type: 'stdin', id, data: 'fine\n' })
    client.send({ type: 'eof', id })
    const done = await client.next((m) => m.type === 'done')
    expect(done.result.run.stdout).toBe('echo:fine\nbye\n')
    client.socket.close()
  })

  test('a client that disconnects mid-run has its program killed and leaves the pool full', async () => {
    const client = await open(`${ws}/api/v1/ws?userId=leaver`)
    const id = await submitInteractive(client, { language: 'python', code: ECHO, limits: { run: { timeoutMs: 15000 } } })
    client.send({ type: 'stdin', id, data: 'hello\n' })
    await client.next((m) => m.type === 'stdout')
    client.socket.terminate()
    let view: any
    await waitFor('the submission done', async () => {
      view = (await call(base, { url: `/api/v1/submissions/${id}` })).json()
      return view.state === 'done'
    }, 10000)
    expect(view.result).toMatchObject({ status: 'runtime_error', run: { signal: 'SIGKILL', stdout: 'echo:hello\n' } })
    await waitFor('the pool full again', () => pool.available === 2)
  })

  // Issue 14, defect 8: the kill went in band, behind the stdin the program never read, and the launcher
  // reads no control line past a megabyte of backlog: the program died only at its wall clock.
  test('a client that floods a program that reads nothing, then leaves: the program is killed at once, not at its wall clock', async () => {
    const client = await open(`${ws}/api/v1/ws?userId=flooder`)
    const id = await submitInteractive(client, { language: 'python', code: 'import time\nprint("up", flush=True)\ntime.sleep(60)', limits: { run: { timeoutMs: 15000 } } })
    await client.next((m) => m.type === 'stdout')
    const chunk = 'x'.repeat(512 * 1024)
    for (let i = 0; i < 16; i++) client.send({ type: 'stdin', id, data: chunk })
    const left = performance.now()
    client.socket.terminate()
    let view: any
    await waitFor('the submission done', async () => {
      view = (await call(base, { url: `/api/v1/submissions/${id}` })).json()
      return view.state === 'done'
    }, 20000)
    const doneAfterMs = performance.now() - left
    expect(view.result).toMatchObject({ status: 'runtime_error', run: { signal: 'SIGKILL', stdout: 'up\n' } })
    // Its wall clock was 15 s.
    expect(view.result.run.wallMs).toBeLessThan(8000)
    expect(doneAfterMs).toBeLessThan(8000)
    await waitFor('the pool full again', () => pool.available === 2)
  })

  test('over Piston\'s /api/v2/connect: runtime, each stage with its exit, stdin echoed as it is sent, then 4999', async () => {
    const client = await open(`${ws}/api/v2/connect`)
    const code = '#include <stdio.h>\nint main(void){char s[64]; for (int i = 0; i < 2 && fgets(s, sizeof s, stdin); i++) { printf("got %s", s); fflush(stdout); } return 4;}'
    client.send({ type: 'init', language: 'c', version: '*', files: [{ name: 'main.c', content: code }], run_timeout: 10000 })
    expect(await client.next((m) => m.type === 'runtime')).toEqual({ type: 'runtime', language: 'c', version: expect.any(String) })
    await client.next((m) => m.type === 'stage' && m.stage === 'run')
    client.send({ type: 'data', stream: 'stdin', data: 'one\n' })
    expect(await client.next((m) => m.type === 'data')).toEqual({ type: 'data', stream: 'stdout', data: 'got one\n' })
    client.send({ type: 'data', stream: 'stdin', data: 'two\n' })
    expect(await client.closed).toEqual({ code: 4999, reason: 'Job Completed' })
    expect(client.messages).toEqual([
      { type: 'runtime', language: 'c', version: expect.any(String) },
      { type: 'stage', stage: 'compile' },
      { type: 'exit', stage: 'compile', code: 0, signal: null },
      { type: 'stage', stage: 'run' },
      { type: 'data', stream: 'stdout', data: 'got one\n' },
      { type: 'data', stream: 'stdout', data: 'got two\n' },
      { type: 'exit', stage: 'run', code: 4, signal: null }
    ])
  })

  test('Piston\'s signals and close codes', async () => {
    const signalled = await open(`${ws}/api/v2/connect`)
    signalled.send({ type: 'init', language: 'bash', version: '*', files: [{ content: 'echo ready; sleep 30' }] })
    await signalled.next((m) => m.type === 'data' && m.data === 'ready\n')
    signalled.send({ type: 'signal', signal: 'SIGKILL' })
    expect(await signalled.next((m) => m.type === 'exit')).toEqual({ type: 'exit', stage: 'run', code: null, signal: 'SIGKILL' })
    expect((await signalled.closed).code).toBe(4999)

    const early = await open(`${ws}/api/v2/connect`)
    early.send({ type: 'data', stream: 'stdin', data: 'x' })
    expect(await early.closed).toEqual({ code: 4003, reason: 'Not yet Initialized' })

    const silent = await open(`${ws}/api/v2/connect`)
    expect(await silent.closed).toEqual({ code: 4001, reason: 'Initialization Timeout' })

    const unknown = await open(`${ws}/api/v2/connect`)
    unknown.send({ type: 'init', language: 'cobol', version: '*', files: [{ content: '' }] })
    expect(await unknown.closed).toEqual({ code: 4002, reason: 'Notified Error' })
    expect(unknown.messages).toEqual([{ type: 'error', message: 'cobol-* runtime is unknown' }])

    const init = { type: 'init', language: 'python', version: '*', files: [{ content: 'input()' }], run_timeout: 5000 }
    const twice = await open(`${ws}/api/v2/connect`)
    twice.send(init)
    twice.send(init)
    expect(await twice.closed).toEqual({ code: 4000, reason: 'Already Initialized' })

    const stdout = await open(`${ws}/api/v2/connect`)
    stdout.send(init)
    stdout.send({ type: 'data', stream: 'stdout', data: 'x' })
    expect(await stdout.closed).toEqual({ code: 4004, reason: 'Can only write to stdin' })

    const badSignal = await open(`${ws}/api/v2/connect`)
    badSignal.send(init)
    badSignal.send({ type: 'signal', signal: 'SIGNOPE' })
    expect(await badSignal.closed).toEqual({ code: 4005, reason: 'Invalid signal' })
    // The runs their clients left were killed, not left to their 5 s wall clock: the pool is whole again.
    await waitFor('the pool full again', () => pool.available === 2, 4000)
  })
})
