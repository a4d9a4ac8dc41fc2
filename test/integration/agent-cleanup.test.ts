import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { execute, processesOf, startHostAgent, type HostAgent } from '../helpers/agent'

jest.setTimeout(30000)
const UID = 61002
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })


describe('runner agent: nothing of one job meets the next', () => {
  test('files written to the scratch dir and to every wipe dir are gone after the job', async () => {
    const [tmpDir, shmDir] = host.config.wipeDirs
    const code = [
      'import os',
      `open('left.txt', 'w').write('x')`,
      `open(${JSON.stringify(join(tmpDir, 'left.txt'))}, 'w').write('x')`,
      `os.makedirs(${JSON.stringify(join(shmDir, 'deep/er'))})`,
      // A directory its owner locked: root without DAC override could not enter it.
      `os.makedirs(${JSON.stringify(join(tmpDir, 'locked/inner'))})`,
      `os.chmod(${JSON.stringify(join(tmpDir, 'locked'))}, 0)`,
      `os.symlink('/etc/passwd', ${JSON.stringify(join(tmpDir, 'link'))})`,
      "print(os.getcwd())"
    ].join('\n')
    const { body } = await execute(host.url, { language: 'python', code })
    expect(body.status).toBe('ok')
    expect(body.clean).toBe(true)
    expect(existsSync(body.run.stdout.trim())).toBe(false)
    expect(readdirSync(host.config.scratchRoot)).toEqual([])
    expect(readdirSync(tmpDir)).toEqual([])
    expect(readdirSync(shmDir)).toEqual([])
    expect(existsSync('/etc/passwd')).toBe(true)

    const next = await execute(host.url, { language: 'python', code: `import os\nprint(os.listdir('.'), os.listdir(${JSON.stringify(tmpDir)}))` })
    expect(next.body.run.stdout).toBe("['main.py'] []\n")
  })

  test.each([
    ['setsid', 'import subprocess\nsubprocess.Popen(["setsid", "sleep", "300"])\nprint("started")'],
    ['nohup', 'import subprocess\nsubprocess.Popen("nohup sleep 300 >/dev/null 2>&1 &", shell=True)\nprint("started")'],
    ['double fork', 'import os, time\nif os.fork() == 0:\n  os.setsid()\n  if os.fork() == 0:\n    time.sleep(300)\n  os._exit(0)\nprint("started")']
  ])('a background process started with %s is gone before the answer', async (_name, code) => {
    const { body } = await execute(host.url, { language: 'python', code })
    expect(body.run.stdout).toBe('started\n')
    expect(body.clean).toBe(true)
    expect(processesOf(UID)).toEqual([])
  })

  test('a background process holding stdout open does not hold the answer back', async () => {
    const started = Date.now()
    const { body } = await execute(host.url, { language: 'python', code: 'import subprocess\nsubprocess.Popen(["sleep", "300"])\nprint("done", flush=True)' })
    expect(body.run.stdout).toBe('done\n')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(processesOf(UID)).toEqual([])
  })

  test('a second job sent while one runs is refused, and the first is unharmed', async () => {
    const first = execute(host.url, { language: 'python', code: 'import time\ntime.sleep(1)\nprint("first")' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const second = await execute(host.url, { language: 'python', code: 'print("second")' })
    expect(second).toEqual({
      statusCode: 409,
      body: { error: { code: 'RUNNER_ERR_BUSY', message: 'this runner is running a job already; it takes one job at a time' } }
    })
    const result = await first
    expect(result.statusCode).toBe(200)
    expect(result.body.run.stdout).toBe('first\n')
    expect(result.body.status).toBe('ok')
  })
})

describe('runner agent: cleanup names what it cannot remove', () => {
  test('a job that ends at its compile stage is cleaned up too', async () => {
    const [tmpDir] = host.config.wipeDirs
    // The compile stage writes to /tmp-like dirs and fails; the run stage never comes.
    const { body } = await execute(host.url, { language: 'c', code: `int main(void) { return 0 }` })
    expect(body.status).toBe('compile_error')
    expect(body.clean).toBe(true)
    expect(readdirSync(host.config.scratchRoot)).toEqual([])
    expect(readdirSync(tmpDir)).toEqual([])
  })

  test('a tree nested deeper than cleanup follows makes the runner unclean, so the proxy replaces it', async () => {
    const deep = await startHostAgent(61006)
    try {
      const [tmpDir] = deep.config.wipeDirs
      const code = `import os\nos.chdir(${JSON.stringify(tmpDir)})\nfor _ in range(300):\n  os.mkdir('d')\n  os.chdir('d')\nprint('deep')`
      const { body } = await execute(deep.url, { language: 'python', code })
      expect(body.run.stdout).toBe('deep\n')
      expect(body.clean).toBe(false)
      expect(body.problems.join('\n')).toContain(`${tmpDir} holds directories nested deeper than 256`)
    } finally {
      await deep.close()
    }
  })
})
