import { readdirSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Launcher } from '../../runner/src/launcher'
import { launchOnce } from '../helpers/launcher'

// Issue 14, defect 10: a stage makes four pipes; when one could not be made, those made before it stayed
// open in the launcher, for its whole life.
jest.setTimeout(30000)
const UID = 61011
const SANDBOX_EXEC = join(__dirname, '../../runner/dist/sandbox-exec')
let dir: string

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'pipes-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

/** A launcher under a descriptor limit (prlimit execs it: same process), and its open descriptors once idle. */
async function launcherWith (nofile: number): Promise<{ launcher: Launcher, open: () => number }> {
  const launcher = new Launcher('/usr/bin/prlimit', [`--nofile=${nofile}:${nofile}`, SANDBOX_EXEC, dir])
  launcher.start()
  const pid = launcher.pid!
  const open = () => readdirSync(`/proc/${pid}/fd`).length
  // Idle once it has answered a request.
  await launcher.clean(UID, UID)
  return { launcher, open }
}

test('a stage whose pipes cannot all be made fails, and leaves no descriptor open', async () => {
  const roomy = await launcherWith(1024)
  const idle = roomy.open()
  roomy.launcher.close()
  // Room for two pipes and half of a third: stdin's and stdout's are made, stderr's is not.
  const tight = await launcherWith(idle + 5)
  expect(tight.open()).toBe(idle)
  for (let i = 0; i < 3; i++) {
    const { stderr, report } = await launchOnce(tight.launcher, UID, ['/bin/true'])
    expect(stderr).toBe('sandbox-exec: pipe failed\n')
    expect(report).toMatch(/exec_failed=1/)
    expect(tight.open()).toBe(idle)
  }
  tight.launcher.close()
})
