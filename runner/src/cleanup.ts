import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** Pids of live (not zombie) processes whose real, effective, saved or fs uid is `uid`. */
export function processesOf (uid: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    let status: string
    try {
      status = readFileSync(`/proc/${entry}/status`, 'latin1')
    } catch {
      continue // exited while we looked
    }
    const state = /^State:\s+(\S)/m.exec(status)
    if (state && (state[1] === 'Z' || state[1] === 'X')) continue
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)
    if (uids && uids.slice(1).some((value) => Number(value) === uid)) pids.push(pid)
  }
  return pids
}

/**
 * SIGKILLs every process of `uid`, again and again while a fork races us; the container's pids limit
 * bounds how long that can go on. Returns whether none is left.
 */
export function killProcessesOf (uid: number, rounds = 100): boolean {
  for (let round = 0; round < rounds; round++) {
    const pids = processesOf(uid)
    if (pids.length === 0) return true
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  return processesOf(uid).length === 0
}

/** Removes everything inside `dir`, leaving `dir` itself. Symlinks are removed, never followed. */
export function emptyDirectory (dir: string): void {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return
  }
  for (const entry of entries) {
    rmSync(join(dir, entry), { recursive: true, force: true, maxRetries: 2 })
  }
}

export interface CleanReport {
  clean: boolean
  problems: string[]
}

/**
 * The end of every job: no process of the uid left, the job's scratch dir gone, every wipe dir empty.
 * The report is what the proxy trusts when it decides to reuse this runner.
 */
export function cleanUp (uid: number, scratchRoot: string, wipeDirs: string[]): CleanReport {
  const problems: string[] = []
  if (!killProcessesOf(uid)) problems.push(`processes of uid ${uid} survive: ${processesOf(uid).join(', ')}`)
  for (const dir of [scratchRoot, ...wipeDirs]) {
    try {
      emptyDirectory(dir)
    } catch (err) {
      problems.push(`cannot empty ${dir}: ${(err as Error).message}`)
    }
  }
  for (const dir of [scratchRoot, ...wipeDirs]) {
    try {
      const left = readdirSync(dir)
      if (left.length > 0) problems.push(`${dir} still holds ${left.slice(0, 5).join(', ')}`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        problems.push(`cannot read ${dir}: ${(err as Error).message}`)
      }
    }
  }
  return { clean: problems.length === 0, problems }
}
