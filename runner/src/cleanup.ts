// The agent's own way to kill a program's processes, for a stage past its wall clock while the launcher
// is busy with it. Cleanup after a job is the launcher's (sandbox-exec.c).
import { readdirSync, readFileSync } from 'node:fs'

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
