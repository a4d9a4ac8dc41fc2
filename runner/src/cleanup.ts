import { spawnSync } from 'node:child_process'
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

/** Removes everything inside `dir`, leaving `dir` itself; returns how many entries it removed. Symlinks are removed, never followed. */
export function emptyDirectory (dir: string): number {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  for (const entry of entries) {
    rmSync(join(dir, entry), { recursive: true, force: true, maxRetries: 2 })
  }
  return entries.length
}

/** Counts the System V IPC objects (shared memory, semaphores, message queues) owned by `uid`. */
export function ipcObjectsOf (uid: number): number {
  let count = 0
  for (const kind of ['shm', 'sem', 'msg']) {
    let lines: string[]
    try {
      lines = readFileSync(`/proc/sysvipc/${kind}`, 'latin1').trim().split('\n')
    } catch {
      continue
    }
    const column = lines[0].trim().split(/\s+/).indexOf('uid')
    if (column < 0) continue
    for (const line of lines.slice(1)) {
      if (Number(line.trim().split(/\s+/)[column]) === uid) count++
    }
  }
  return count
}

/**
 * IPC objects outlive their processes. Only their owner (or CAP_SYS_ADMIN, which the agent does not have)
 * may remove them, so ipcrm runs as the program's uid; only when there is any. Returns how many survive.
 */
export function removeIpcObjectsOf (uid: number, gid: number): number {
  if (ipcObjectsOf(uid) === 0) return 0
  spawnSync('/usr/bin/ipcrm', ['--all'], { uid, gid, stdio: 'ignore', env: { PATH: '/usr/bin:/bin' }, timeout: 5000 })
  return ipcObjectsOf(uid)
}

export interface CleanReport {
  clean: boolean
  problems: string[]
}

/**
 * The end of every job: no process of the uid left, the job's scratch dir gone, every wipe dir empty.
 * The report is what the proxy trusts when it decides to reuse this runner.
 */
export function cleanUp (uid: number, gid: number, scratchRoot: string, wipeDirs: string[]): CleanReport {
  const problems: string[] = []
  if (!killProcessesOf(uid)) problems.push(`processes of uid ${uid} survive: ${processesOf(uid).join(', ')}`)
  if (removeIpcObjectsOf(uid, gid) > 0) problems.push(`System V IPC objects of uid ${uid} survive`)
  // A directory found empty needs no second look; one that held something is read again to prove it.
  const emptied: string[] = []
  for (const dir of [scratchRoot, ...wipeDirs]) {
    try {
      if (emptyDirectory(dir) > 0) emptied.push(dir)
    } catch (err) {
      problems.push(`cannot empty ${dir}: ${(err as Error).message}`)
      emptied.push(dir)
    }
  }
  for (const dir of emptied) {
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
