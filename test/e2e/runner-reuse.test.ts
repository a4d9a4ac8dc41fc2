import { call, containersOf, docker, realApp, testConfig, waitFor, listenAndFill } from '../helpers/docker'

jest.setTimeout(120000)
// One runner, so that every job lands on the same container.
const POOL = 'e2e-reuse'
const { app, pool } = realApp(testConfig(POOL, { min: 1, max: 1 }))
let base = ''
const execute = async (payload: unknown) => (await call(base, { url: '/api/v1/execute', payload })).json()

beforeAll(async () => {
  base = await listenAndFill(app, pool, 1)
})
afterAll(async () => { await app.close() })

// Lists every process of the runner uid but the lister itself and its parent chain.
const LIST_PROCESSES = `
import os
mine = {os.getpid(), os.getppid()}
others = []
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        status = open(f'/proc/{pid}/status').read()
    except OSError:
        continue
    uid = int(status.split('Uid:')[1].split()[0])
    if uid == os.getuid() and int(pid) not in mine:
        others.append(open(f'/proc/{pid}/cmdline').read().replace('\\0', ' '))
print(others)
`

describe('a recycled runner keeps nothing of its last job', () => {
  test('files written by one job are not there for the next job on the same runner', async () => {
    const [container] = await containersOf(POOL)
    const write = await execute({
      language: 'python',
      code: [
        "import os",
        "for path in ['left.txt', '/tmp/left.txt', '/dev/shm/left.txt']: open(path, 'w').write('secret')",
        "os.makedirs('/tmp/locked/inner'); os.chmod('/tmp/locked', 0)",
        "print(os.getcwd())"
      ].join('\n')
    })
    expect(write.status).toBe('ok')
    const read = await execute({
      language: 'python',
      code: `import os\nprint(sorted(os.listdir('.')), os.listdir('/tmp'), os.listdir('/dev/shm'), os.path.exists(${JSON.stringify(write.run.stdout.trim())}))`
    })
    expect(read.run.stdout).toBe("['main.py'] [] [] False\n")
    expect(await containersOf(POOL)).toEqual([container])
  })

  test('background processes (setsid, nohup, double fork) are gone before the next job starts', async () => {
    const [container] = await containersOf(POOL)
    const spawn = await execute({
      language: 'python',
      code: [
        'import os, subprocess, time',
        'subprocess.Popen(["setsid", "sleep", "1000"])',
        'subprocess.Popen("nohup sleep 1001 >/dev/null 2>&1 &", shell=True)',
        'if os.fork() == 0:',
        '    os.setsid()',
        '    if os.fork() == 0:',
        '        time.sleep(1002)',
        '    os._exit(0)',
        'time.sleep(0.2)',
        'print("spawned")'
      ].join('\n')
    })
    expect(spawn.run.stdout).toBe('spawned\n')
    const list = await execute({ language: 'python', code: LIST_PROCESSES })
    expect(list.run.stdout).toBe('[]\n')
    expect(await containersOf(POOL)).toEqual([container])
  })

  test('the lister does see a process that is still running, so its empty answer means something', async () => {
    const code = `import subprocess, time\nsubprocess.Popen(["sleep", "30"])\ntime.sleep(0.2)\n${LIST_PROCESSES}`
    const list = await execute({ language: 'python', code })
    expect(list.run.stdout).toBe("['sleep 30 ']\n")
  })

  test('a second job sent to a busy runner is refused and its first job is unharmed', async () => {
    const runner = await pool.acquire()
    try {
      const first = runner.execute({ language: 'python', code: 'import time\ntime.sleep(1)\nprint("first")' }, '', 30000, 1 << 20)
      await new Promise((resolve) => setTimeout(resolve, 300))
      // A second connection to the same agent, as a second proxy would open.
      const { Client } = await import('undici')
      const other = new Client('http://runner', { socketPath: runner.socketPath })
      const second = await other.request({ path: '/execute', method: 'POST', body: JSON.stringify({ language: 'python', code: 'print(2)' }) })
      expect(second.statusCode).toBe(409)
      expect(await second.body.json()).toEqual({ error: { code: 'RUNNER_ERR_BUSY', message: 'this runner is running a job already; it takes one job at a time' } })
      await other.close()
      const result = await first
      expect(result).toMatchObject({ status: 'ok', run: { stdout: 'first\n' }, clean: true })
      pool.release(runner, result.clean ? 'clean' : 'unclean')
    } catch (err) {
      pool.release(runner, 'crashed')
      throw err
    }
  })

  test('a job that asks for more memory than the container has gets it, through docker update', async () => {
    const [container] = await containersOf(POOL)
    const before = (await docker.getContainer(container).inspect()).HostConfig.Memory!
    // 800 MiB touched: past the container as created (the 512 MiB compile default plus tmpfs and reserve).
    const code = 'x = bytearray(800 * 1024 * 1024)\nprint(len(x) >> 20)'
    expect(before).toBeLessThan(800 * 1024 * 1024)
    const answer = await execute({ language: 'python', code, limits: { run: { memoryBytes: 1024 * 1024 * 1024, timeoutMs: 10000 } } })
    expect(answer).toMatchObject({ status: 'ok', run: { stdout: '800\n' } })
    expect(answer.run.memoryBytes).toBeGreaterThan(800 * 1024 * 1024)
    const after = (await docker.getContainer(container).inspect()).HostConfig.Memory!
    expect(after).toBeGreaterThan(1024 * 1024 * 1024)
    expect(await containersOf(POOL)).toEqual([container])
  })

  test('a runner container killed from outside while idle is replaced and the pool returns to its size', async () => {
    const [before] = await containersOf(POOL)
    await docker.getContainer(before).kill()
    await waitFor('a replacement runner', async () => {
      const now = await containersOf(POOL)
      return pool.ready === 1 && now.length === 1 && now[0] !== before
    }, 60000)
    const answer = await execute({ language: 'python', code: 'print("after")' })
    expect(answer.run.stdout).toBe('after\n')
  })

  test('a runner is replaced after its maximum number of uses', async () => {
    // Covered by the pool's own setting: with maxUsesPerRunner 1 every job gets a fresh container.
    const fresh = realApp(testConfig('e2e-once', { min: 1, max: 1, maxUsesPerRunner: 1 }))
    const freshBase = await fresh.app.listen({ port: 0, host: '127.0.0.1' })
    try {
      await fresh.pool.start()
      await waitFor('one runner', () => fresh.pool.ready === 1)
      const seen = new Set<string>()
      for (let i = 0; i < 3; i++) {
        seen.add((await containersOf('e2e-once'))[0])
        const answer = (await call(freshBase, { url: '/api/v1/execute', payload: { language: 'python', code: 'print(1)' } })).json()
        expect(answer.run.stdout).toBe('1\n')
        await waitFor('the replacement', async () => fresh.pool.ready === 1 && !seen.has((await containersOf('e2e-once'))[0] ?? ''))
      }
      expect(seen.size).toBe(3)
    } finally {
      await fresh.app.close()
    }
    expect(await containersOf('e2e-once')).toEqual([])
  })
})
