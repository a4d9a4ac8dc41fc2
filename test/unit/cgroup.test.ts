import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findMemoryCgroup, parseOomKills, parseStatBytes } from '../../runner/src/cgroup'

// Issue 13: what the runner reads from its memory cgroup works on v1 and v2 (fixtures/cgroup/README.md).
const fixtures = join(__dirname, '../fixtures/cgroup')
const read = (path: string) => readFileSync(path, 'latin1')

describe('the memory cgroup, v1 and v2', () => {
  test('v2 is found by its unified root, and its oom kills and anonymous memory are read', () => {
    const cgroup = findMemoryCgroup(join(fixtures, 'v2'))
    expect(cgroup).toEqual({ version: 2, oomKillsPath: join(fixtures, 'v2/memory.events'), statPath: join(fixtures, 'v2/memory.stat'), anonKey: 'anon' })
    expect(parseOomKills(read(cgroup!.oomKillsPath))).toBe(2)
    // `anon`, not `anon_thp`, nor the active and inactive lists.
    expect(parseStatBytes(read(cgroup!.statPath), cgroup!.anonKey)).toBe(52543488)
  })

  test('v1 is found by its memory hierarchy, and its oom kills and rss are read', () => {
    const cgroup = findMemoryCgroup(join(fixtures, 'v1'))
    expect(cgroup).toEqual({ version: 1, oomKillsPath: join(fixtures, 'v1/memory/memory.oom_control'), statPath: join(fixtures, 'v1/memory/memory.stat'), anonKey: 'rss' })
    expect(parseOomKills(read(cgroup!.oomKillsPath))).toBe(0)
    const stat = read(cgroup!.statPath)
    // `rss`, not `rss_huge` or `total_rss` (equal here, in a cgroup with no children).
    expect(parseStatBytes(stat, 'rss')).toBe(Number(/^rss (\d+)$/m.exec(stat)![1]))
    expect(parseStatBytes(stat, 'rss')).toBeGreaterThan(0)
  })

  test('a v2 mount whose memory controller is off, or no cgroup at all, is none', () => {
    const only = (paths: string[]) => (path: string) => paths.includes(path)
    expect(findMemoryCgroup('/cg', only(['/cg/cgroup.controllers']))).toBeNull()
    expect(findMemoryCgroup(join(fixtures, 'missing'))).toBeNull()
  })

  test('v1 oom_control and v2 memory.events lines that are not oom_kill are not taken for it', () => {
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 1\n')).toBeNull()
    expect(parseOomKills('oom 5\noom_group_kill 1\n')).toBeNull()
    expect(parseOomKills('oom 5\noom_kill 7\noom_group_kill 1\n')).toBe(7)
  })
})
