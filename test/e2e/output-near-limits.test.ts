import { call, listenAndFill, realApp, testConfig, sandboxRuntimes } from '../helpers/docker'

// Programs within every limit that print as much as they may (issue 12): the agent holds their output
// within its own memory reserve, and they get their verdict, not internal_error. The smallest container
// a job can get: 32 MiB for both stages, plus the tmpfs sizes and the agent's reserve.
jest.setTimeout(180000)
const MiB = 1024 * 1024
const RUNTIMES = sandboxRuntimes()
const limits = { compile: { memoryBytes: 32 * MiB }, run: { memoryBytes: 32 * MiB, outputBytes: 16 * MiB, timeoutMs: 10000 } }

describe.each(RUNTIMES)('16 MiB on each stream under the smallest memory limits, under %s', (runtime) => {
  const config = testConfig(`e2e-near-limits-${runtime}`, { min: 1, max: 1 })
  config.runner.runtime = runtime
  const { app, pool } = realApp(config)
  let base = ''
  beforeAll(async () => { base = await listenAndFill(app, pool, 1) })
  afterAll(async () => { await app.close() })

  test.each([
    ['text', 'chunk = b"x" * (1 << 20)', 'x'],
    ['0xFF bytes, each decoded to U+FFFD', 'chunk = b"\\xff" * (1 << 20)', '\uFFFD']
  ])('%s', async (_name, chunk, char) => {
    const code = `import sys\n${chunk}\nfor _ in range(16):\n    sys.stdout.buffer.write(chunk)\n    sys.stderr.buffer.write(chunk)`
    const answer = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code, limits } })
    const body = answer.json()
    expect({ status: body.status, message: body.message }).toEqual({ status: 'ok', message: undefined })
    for (const stream of [body.run.stdout, body.run.stderr]) {
      expect(stream.length).toBe(16 * MiB)
      expect(stream[0] + stream[16 * MiB - 1]).toBe(char + char)
    }
    // The same runner serves the next job: it was neither killed nor replaced.
    const next = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'print("next")' } })
    expect(next.json()).toMatchObject({ status: 'ok', run: { stdout: 'next\n' } })
  })

  test('Piston\'s answer, with the interleaved output too', async () => {
    const code = 'import sys\nchunk = b"y" * (1 << 20)\nfor _ in range(16):\n    sys.stdout.buffer.write(chunk)\n    sys.stderr.buffer.write(chunk)'
    const answer = await call(base, {
      url: '/api/v2/execute',
      payload: { language: 'python', files: [{ content: code }], run_memory_limit: 32 * MiB, compile_memory_limit: 32 * MiB }
    })
    const body = answer.json()
    // Piston's default output cap is ours (1 MiB): cut there, the interleaved output has both streams' bytes.
    expect(body.run.status).toBe('OL')
    expect(body.run.output.length).toBe(body.run.stdout.length + body.run.stderr.length)
  })
})
