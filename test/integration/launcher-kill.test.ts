import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Launcher, type LaunchRequest } from '../../runner/src/launcher'

// Issue 14, defect 8: a kill sent in band waited behind the input the program had not read (and the
// launcher reads no control line past a megabyte of backlog). The kill channel is out of band.
jest.setTimeout(30000)
const UID = 61013
let dir: string
let launcher: Launcher

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kill-'))
  launcher = new Launcher(join(__dirname, '../../runner/dist/sandbox-exec'), [dir])
  launcher.start()
})
afterAll(() => {
  launcher.close()
  rmSync(dir, { recursive: true, force: true })
})

function stage (argv: string[], extra: Partial<LaunchRequest> = {}): { report: Promise<string | null>, stdout: () => string } {
  const request: LaunchRequest = {
    argv, cwd: '/', env: { PATH: '/usr/bin:/bin' }, uid: UID, gid: UID, timeoutMs: 20000, stdin: [],
    cpuTimeMs: 20000, memoryBytes: 256 << 20, processes: 64, fileSizeBytes: 1 << 20, openFiles: 64, outputBytes: 1 << 20,
    cleanUp: true, ...extra
  }
  const out: Buffer[] = []
  const report = new Promise<string | null>((resolve) => {
    let line: string | null = null
    launcher.run(request, { output: (_stream, chunk) => out.push(chunk), done: (report) => { line = report }, cleaned: () => resolve(line) })
  })
  return { report, stdout: () => Buffer.concat(out).toString() }
}

test('an interactive stage flooded with input it never reads dies at once when killed, not at its wall clock', async () => {
  const sleeper = stage(['/bin/sh', '-c', 'echo up; exec sleep 30'], { interactive: true })
  await new Promise((resolve) => setTimeout(resolve, 300))
  // Four megabytes of control lines: the launcher takes one, then stops reading them.
  let full = false
  for (let i = 0; i < 128 && !full; i++) full = !launcher.control([Buffer.from(`i 32768\n`), Buffer.alloc(32768, 120)])
  expect(full).toBe(true)
  const killedAt = performance.now()
  launcher.kill()
  const report = await sleeper.report
  expect(performance.now() - killedAt).toBeLessThan(5000)
  expect(report).toMatch(/signal=9 /)
  expect(report).toMatch(/timed_out=0/)
  expect(sleeper.stdout()).toBe('up\n')
})

test('a kill sent with the request kills that stage as soon as it starts, and never the next one', async () => {
  const first = stage(['/bin/sh', '-c', 'sleep 0.5; echo too-late'])
  launcher.kill()
  expect(await first.report).toMatch(/signal=9 /)
  expect(first.stdout()).toBe('')
  // Stages are numbered: a kill names its own, so one that comes late for the first is no threat here.
  const second = stage(['/bin/sh', '-c', 'sleep 0.3; echo alive'])
  expect(await second.report).toMatch(/exit=0 signal=0 /)
  expect(second.stdout()).toBe('alive\n')
})
