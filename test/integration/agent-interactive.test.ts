import { request } from 'undici'
import { interactive, processesOf, startHostAgent, type HostAgent } from '../helpers/agent'

jest.setTimeout(30000)
const UID = 61007
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })

// Reads lines until EOF, answering each at once: only an input that arrives during the run can be echoed.
const ECHO = 'import sys\nfor line in sys.stdin:\n    print("echo:" + line.strip(), flush=True)\nprint("bye")'

describe('runner agent: an interactive job', () => {
  test('echoes each line sent while it runs, before the next is sent, and ends at the end of stdin', async () => {
    const session = await interactive(host.url, { language: 'python', code: ECHO })
    await session.waitFor((line) => line.type === 'stage' && line.stage === 'run')
    for (const word of ['one', 'deux', 'drei \u00e9']) {
      session.send({ type: 'stdin', data: `${word}\n` })
      const echoed = await session.waitFor((line) => line.type === 'output' && line.data.includes(`echo:${word}`))
      expect(echoed).toMatchObject({ stage: 'run', stream: 'stdout' })
    }
    session.send({ type: 'eof' })
    const result = await session.result
    expect(result).toMatchObject({ status: 'ok', run: { stdout: 'echo:one\necho:deux\necho:drei \u00e9\nbye\n', exitCode: 0 }, clean: true })
    expect(session.lines.find((line) => line.type === 'exit')).toEqual({ type: 'exit', stage: 'run', status: 'ok', exitCode: 0, signal: null })
  })

  test('input sent during the compile stage waits for the program and reaches it', async () => {
    const code = '#include <stdio.h>\nint main(void){char s[64]; while (scanf("%63s", s) == 1) printf("got %s\\n", s); return 0;}'
    const session = await interactive(host.url, { language: 'c', code })
    session.send({ type: 'stdin', data: 'early\n' })
    session.send({ type: 'eof' })
    const result = await session.result
    expect(result.compile).toMatchObject({ status: 'ok' })
    expect(result.run).toMatchObject({ status: 'ok', stdout: 'got early\n' })
    expect(session.lines.filter((line) => line.type === 'stage').map((line) => line.stage)).toEqual(['compile', 'run'])
  })

  test('a signal reaches the program: a handler runs, or the default action kills it', async () => {
    const handled = await interactive(host.url, {
      language: 'python',
      // The handler only sets a flag: printing from it could land inside print("ready")'s own flush.
      code: 'import signal, sys, time\ngot = []\nsignal.signal(signal.SIGUSR1, lambda *a: got.append(1))\nprint("ready", flush=True)\n' +
        'while not got: time.sleep(0.01)\nprint("usr1")\nsys.exit(3)'
    })
    await handled.waitFor((line) => line.type === 'output' && line.data === 'ready\n')
    handled.send({ type: 'signal', signal: 'SIGUSR1' })
    expect(await handled.result).toMatchObject({ status: 'runtime_error', run: { stdout: 'ready\nusr1\n', exitCode: 3, signal: null } })

    const killed = await interactive(host.url, { language: 'bash', code: 'echo ready; sleep 20; echo never' })
    await killed.waitFor((line) => line.type === 'output' && line.data === 'ready\n')
    killed.send({ type: 'signal', signal: 'SIGTERM' })
    const result = await killed.result
    expect(result).toMatchObject({ status: 'runtime_error', run: { stdout: 'ready\n', signal: 'SIGTERM' }, clean: true })
    expect(result.run.wallMs).toBeLessThan(10000)
  })

  // Issue 14, defect 8: POST /kill kills the interactive job's program at once, however much input waits ahead.
  test('POST /kill kills a program flooded with input it never reads, at once', async () => {
    const session = await interactive(host.url, { language: 'bash', code: 'echo up; sleep 30', limits: { run: { timeoutMs: 20000 } } })
    await session.waitFor((line) => line.type === 'output' && line.data === 'up\n')
    for (let i = 0; i < 16; i++) session.send({ type: 'stdin', data: 'x'.repeat(512 * 1024) })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const killed = await request(`${host.url}/kill`, { method: 'POST' })
    expect(await killed.body.json()).toEqual({ killed: true })
    const result = await session.result
    expect(result).toMatchObject({ status: 'runtime_error', run: { stdout: 'up\n', signal: 'SIGKILL' }, clean: true })
    expect(result.run.wallMs).toBeLessThan(10000)
    // With no interactive job running, it kills nothing.
    expect(await (await request(`${host.url}/kill`, { method: 'POST' })).body.json()).toEqual({ killed: false })
  })

  test('the wall clock still holds: a program waiting for input that never comes times out', async () => {
    const session = await interactive(host.url, { language: 'python', code: 'input()', limits: { run: { timeoutMs: 500 } } })
    const result = await session.result
    expect(result).toMatchObject({ status: 'timeout', clean: true })
    expect(result.run.wallMs).toBeGreaterThanOrEqual(500)
  })

  test('a client that goes away mid-run has its program killed; the runner is clean and takes the next job', async () => {
    const session = await interactive(host.url, { language: 'python', code: ECHO })
    await session.waitFor((line) => line.type === 'stage' && line.stage === 'run')
    session.send({ type: 'stdin', data: 'hello\n' })
    await session.waitFor((line) => line.type === 'output')
    session.socket.destroy()
    const deadline = Date.now() + 5000
    while (host.agent.busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(host.agent.busy()).toBe(false)
    expect(processesOf(UID)).toEqual([])
    const next = await interactive(host.url, { language: 'python', code: ECHO })
    next.send({ type: 'stdin', data: 'again\n' })
    next.send({ type: 'eof' })
    expect(await next.result).toMatchObject({ status: 'ok', run: { stdout: 'echo:again\nbye\n' } })
  })

  test('a client that goes away before the program exists (during its compile) has it killed as soon as it starts', async () => {
    const code = '#include <unistd.h>\nint main(void){sleep(20); return 0;}'
    const session = await interactive(host.url, { language: 'c', code, limits: { run: { timeoutMs: 10000 } } })
    session.socket.destroy()
    const started = Date.now()
    while (host.agent.busy() && Date.now() - started < 8000) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(host.agent.busy()).toBe(false)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(processesOf(UID)).toEqual([])
  })

  test('input the program never reads is held back, not buffered without bound, and the job still ends', async () => {
    const session = await interactive(host.url, { language: 'python', code: 'import time\ntime.sleep(1)\nprint("done")' })
    await session.waitFor((line) => line.type === 'stage' && line.stage === 'run')
    const chunk = 'x'.repeat(64 * 1024) + '\n'
    // 16 MB at a program that reads none of it: past the pipes and the launcher's backlog, the agent stops
    // reading, so most of it is still waiting on the client's side of the socket.
    for (let i = 0; i < 256; i++) session.send({ type: 'stdin', data: chunk })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(session.socket.writableLength).toBeGreaterThan(8 * 1024 * 1024)
    const result = await session.result
    expect(result).toMatchObject({ status: 'ok', run: { stdout: 'done\n' }, clean: true })
  })

  test('a bad job line is answered as a failed job, and the agent takes the next', async () => {
    const session = await interactive(host.url, { language: 'cobol', code: '' })
    expect(await session.result).toEqual({ type: 'result', error: { code: 'RUNNER_ERR_UNKNOWN_LANGUAGE', message: 'language "cobol" is not supported' } })
    const next = await interactive(host.url, { language: 'python', code: 'print(input())' })
    next.send({ type: 'stdin', data: 'ok\n' })
    expect(await next.result).toMatchObject({ status: 'ok', run: { stdout: 'ok\n' } })
  })

  test('a bad control line is dropped; a busy runner refuses a second job with 409', async () => {
    const session = await interactive(host.url, { language: 'python', code: ECHO })
    session.socket.write('not json\n')
    session.send({ type: 'signal', signal: 'SIGNOPE' })
    await expect(interactive(host.url, { language: 'python', code: 'print(1)' })).rejects.toThrow(/409|upgrade/i)
    session.send({ type: 'stdin', data: 'still\n' })
    session.send({ type: 'eof' })
    expect(await session.result).toMatchObject({ status: 'ok', run: { stdout: 'echo:still\nbye\n' } })
  })
})
