import type { Launcher, LaunchRequest } from '../../runner/src/launcher'

export interface Launched {
  stdout: string
  stderr: string
  /** The launcher's report line, null when none came. */
  report: string | null
}

/** One stage straight through the launcher (no agent), as `uid`, cleaned up after: what it printed and its report. */
export function launchOnce (launcher: Launcher, uid: number, argv: string[]): Promise<Launched> {
  const request: LaunchRequest = {
    argv, cwd: '/', env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, uid, gid: uid, timeoutMs: 5000, stdin: [],
    cpuTimeMs: 5000, memoryBytes: 256 << 20, processes: 64, fileSizeBytes: 1 << 20, openFiles: 64, outputBytes: 1 << 20, cleanUp: true
  }
  return new Promise((resolve) => {
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
    let report: string | null = null
    launcher.run(request, {
      output: (stream, chunk) => out[stream].push(chunk),
      done: (line) => { report = line },
      cleaned: () => resolve({ stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString(), report })
    })
  })
}
