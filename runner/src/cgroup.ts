import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The container's memory cgroup as the runner reads it, on cgroup v1 or v2 (each container sees its own
 * at /sys/fs/cgroup). Two things are read: the count of OOM kills, which tells the kernel's memory kill
 * from any other SIGKILL, and the anonymous memory in memory.stat, which the launcher checks a stage's
 * resident sizes against before it calls them over the limit (pages that a fork shares are counted once
 * there, in every process's resident size).
 */
export interface MemoryCgroup {
  version: 1 | 2
  /** Holds an `oom_kill N` line: memory.oom_control on v1, memory.events on v2. */
  oomKillsPath: string
  /** memory.stat, and its line for anonymous memory: `rss` on v1, `anon` on v2. */
  statPath: string
  anonKey: 'rss' | 'anon'
}

/** The memory cgroup under `root` (the cgroup file system's mount), v2 first; null where there is none. */
export function findMemoryCgroup (root: string, exists: (path: string) => boolean = existsSync): MemoryCgroup | null {
  // v2: one unified hierarchy, its controllers listed at its root.
  if (exists(join(root, 'cgroup.controllers')) && exists(join(root, 'memory.events'))) {
    return { version: 2, oomKillsPath: join(root, 'memory.events'), statPath: join(root, 'memory.stat'), anonKey: 'anon' }
  }
  const v1 = join(root, 'memory')
  if (exists(join(v1, 'memory.oom_control'))) {
    return { version: 1, oomKillsPath: join(v1, 'memory.oom_control'), statPath: join(v1, 'memory.stat'), anonKey: 'rss' }
  }
  return null
}

/** The `oom_kill N` count of memory.oom_control (v1) or memory.events (v2); null without one. */
export function parseOomKills (text: string): number | null {
  const match = /^oom_kill (\d+)$/m.exec(text)
  return match ? Number(match[1]) : null
}

/** One line of memory.stat, in bytes (both versions count bytes); null without it. */
export function parseStatBytes (text: string, key: string): number | null {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text)
  return match ? Number(match[1]) : null
}
