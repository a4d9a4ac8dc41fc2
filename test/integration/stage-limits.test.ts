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
  // parent only learns from the end of a pipe that the child is done; all the work is the child's.
  test('a CPU-bound child its parent never waits for is counted in cpuMs', async () => {
    const loop = 'for i in range(3000000): n += i'
    const code = ['import os', 'done, tell = os.pipe()', 'n = 0', 'if os.fork() == 0:', `    ${loop}`, '    os._exit(0)', 'os.close(tell)', 'os.read(done, 1)', 'print("done")']
    const { body } = await execute(host.url, { language: 'python', code: code.join('\n') })
    expect(body).toMatchObject({ status: 'ok', run: { stdout: 'done\n' } })
    const alone = await execute(host.url, { language: 'python', code: `n = 0\n${loop}\nprint(n)` })
    // Without the child's time, cpuMs would be python's start alone, a tenth of the loop's.
    expect(body.run.cpuMs).toBeGreaterThan(alone.body.run.cpuMs * 0.6)
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
