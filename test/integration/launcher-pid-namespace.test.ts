import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Launcher } from '../../runner/src/launcher'
import { launchOnce } from '../helpers/launcher'

// Under gVisor any uid may read every process's maps, auxv and fd/ listing, so there each stage runs in
// a PID namespace with a /proc of its own (issue 12). The launcher's side of that is checked here, on
// the host's kernel; the hostile suite checks it in real runsc runners.
jest.setTimeout(30000)
const UID = 61011
let dir: string
let launcher: Launcher

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pidns-'))
  launcher = new Launcher(join(__dirname, '../../runner/dist/sandbox-exec'), ['--pid-namespace=stage', dir])
  launcher.start()
})
afterAll(() => {
  launcher.close()
  rmSync(dir, { recursive: true, force: true })
})

const launch = (script: string) => launchOnce(launcher, UID, ['/bin/sh', '-c', script])

const procMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.split(' ')[4] === '/proc').length

describe('sandbox-exec --pid-namespace=stage', () => {
  test("the program is the first process of its namespace and its /proc lists only its own processes", async () => {
    const { stdout, stderr, report } = await launch('echo "me $$"; sleep 2 & echo "child $!"; for p in /proc/[0-9]*; do echo "${p#/proc/}"; done')
    expect(stderr).toBe('')
    expect(report).toMatch(/exit=0 /)
    const [me, child, ...listed] = stdout.trim().split('\n')
    expect(me).toBe('me 1')
    expect(child).toMatch(/^child \d+$/)
    // The shell, its sleep, and the glob's own expansion happens in the shell: nothing of the launcher's.
    expect(listed.sort()).toEqual(['1', child.split(' ')[1]].sort())
  })

  test("the test's own process, the launcher's parent, is not in the program's /proc", async () => {
    const { stdout, report } = await launch(`[ -e /proc/${process.pid} ] && echo VISIBLE; cat /proc/1/cmdline | tr '\\0' ' '; echo`)
    expect(report).toMatch(/exit=0 /)
    expect(stdout).toBe(`/bin/sh -c [ -e /proc/${process.pid} ] && echo VISIBLE; cat /proc/1/cmdline | tr '\\0' ' '; echo \n`)
  })

  // Where the host's root is a shared mount (systemd's), a /proc mounted without making the stage's
  // namespace private first would appear in the launcher's too.
  test("the stage's /proc stays in its namespace: the launcher's mounts are unchanged after it", async () => {
    const before = procMounts()
    const { report } = await launch('grep -c " /proc proc " /proc/self/mounts')
    expect(report).toMatch(/exit=0 /)
    expect(procMounts()).toBe(before)
  })
})
