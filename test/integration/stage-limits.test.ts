import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execute, startHostAgent, type HostAgent } from '../helpers/agent'

// Issue 13: cpuTimeMs and memoryBytes hold over every process a stage starts, not its main process
// alone, and cpuMs and memoryBytes report the stage's total.
jest.setTimeout(60000)
const UID = 61012
const MiB = 1024 * 1024
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })

const program = (name: string) => readFileSync(join(__dirname, '../programs', name), 'utf8')

describe('limits over every process of a stage', () => {
  test('4 CPU burners whose parent waits are stopped when their sum passes cpuTimeMs, and cpuMs is that sum', async () => {
    const { body } = await execute(host.url, { language: 'c', code: program('burners.c'), args: ['4'], limits: { run: { cpuTimeMs: 500, timeoutMs: 5000 } } })
    expect(body.run.stdout).toBe('started 4\n')
    expect(body.status).toBe('timeout')
    expect(body.run.cpuMs).toBeGreaterThanOrEqual(500)
    expect(body.run.cpuMs).toBeLessThan(1000)
    // Stopped by their CPU time, long before the wall clock.
    expect(body.run.wallMs).toBeLessThan(2000)
    expect(body.clean).toBe(true)
  })

  // The parent never waits for its child: the child's CPU time is in no rusage of the parent's. The
  // parent learns that the child is done from the end of a pipe, so the child finishes its loop.
  test('a CPU-bound program with a child it never waits for reports both processes\' CPU time', async () => {
    const code = [
      'import os',
      'done, tell = os.pipe()',
      'n = 0',
      'pid = os.fork()',
      'for i in range(3000000): n += i',
      'if pid == 0: os._exit(0)',
      'os.close(tell)',
      'os.read(done, 1)',
      'print(n)'
    ].join('\n')
    const { body } = await execute(host.url, { language: 'python', code })
    expect(body.status).toBe('ok')
    const alone = await execute(host.url, { language: 'python', code: 'n = 0\nfor i in range(3000000): n += i\nprint(n)' })
    // Two loops' worth, not one: within a third of twice the single loop.
    expect(body.run.cpuMs).toBeGreaterThan(alone.body.run.cpuMs * 1.6)
  })

  test('4 children of 80 MiB each under a 200 MiB limit are a memory_limit, reported over the limit', async () => {
    const { body } = await execute(host.url, { language: 'c', code: program('hoarders.c'), args: ['4', '80'], limits: { run: { memoryBytes: 200 * MiB, timeoutMs: 10000 } } })
    expect(body.status).toBe('memory_limit')
    expect(body.run.memoryBytes).toBeGreaterThan(200 * MiB)
    expect(body.clean).toBe(true)
  })

  test('a forked child sharing its parent\'s 150 MiB is not counted twice', async () => {
    const code = 'import os\nx = b"x" * (150 << 20)\npid = os.fork()\nimport time\ntime.sleep(0.4)\nif pid: os.waitpid(pid, 0); print(len(x) >> 20)\nelse: os._exit(0)'
    const { body } = await execute(host.url, { language: 'python', code, limits: { run: { memoryBytes: 256 * MiB } } })
    expect(body.status).toBe('ok')
    expect(body.run.stdout).toBe('150\n')
    expect(body.run.memoryBytes).toBeGreaterThan(150 * MiB)
    expect(body.run.memoryBytes).toBeLessThan(256 * MiB)
  })
})
