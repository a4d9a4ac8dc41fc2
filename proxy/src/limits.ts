import type { Config } from './config'
import type { JudgeSpec } from '../../runner/src/contract/job'
import type { Language } from '../../runner/src/contract/languages'
import { LIMIT_NAMES, type JobLimits, type StageLimits, type StageName } from '../../runner/src/contract/limits'

export interface RequestedLimits {
  compile?: Partial<StageLimits>
  run?: Partial<StageLimits>
}

/**
 * The limits a job runs under, each field on its own: the request's value, else the language's default,
 * else the pool's default; never over the pool's maximum (the request schema already refuses that).
 */
export function effectiveLimits (config: Config, language: Language, requested: RequestedLimits = {}): JobLimits {
  const stage = (name: StageName): StageLimits => {
    const limits = {} as StageLimits
    for (const field of LIMIT_NAMES) {
      const value = requested[name]?.[field] ?? language.limits[name]?.[field] ?? config.limits.default[name][field]
      limits[field] = Math.min(value, config.limits.max[name][field])
    }
    return limits
  }
  return { compile: stage('compile'), run: stage('run') }
}

/** Room per test of a judge job for what is not its program's time: restoring its files, cleaning up. */
const PER_TEST_MS = 1000

/**
 * How long the proxy waits for a runner's answer: every stage's own timeout (a judge job's: each test's)
 * plus room to clean up.
 */
export function runnerDeadlineMs (limits: JobLimits, hasCompile: boolean, judge?: Pick<JudgeSpec, 'tests' | 'checker'>): number {
  const checker = judge?.checker.type === 'program' ? judge.checker.limits : undefined
  const runs = judge
    ? judge.tests.reduce((sum, test) => sum + (test.limits?.timeoutMs ?? limits.run.timeoutMs) + (checker?.run.timeoutMs ?? 0) + PER_TEST_MS, 0)
    : limits.run.timeoutMs
  return (hasCompile ? limits.compile.timeoutMs : 0) + (checker?.compile.timeoutMs ?? 0) + runs + 10000
}

/**
 * The container's memory limit for a job: its larger stage's memoryBytes, plus the tmpfs mounts (their
 * pages are charged to the container) and the agent's reserve. Past it the kernel kills the program,
 * whose OOM score is the highest; a peak over memoryBytes is reported as memory_limit either way.
 */
export function containerMemoryBytes (config: Config, limits: Pick<JobLimits, StageName>): number {
  // Both stages count even for a language without a compile stage, so that a job with default limits
  // always fits the container as created and never costs an update.
  const job = Math.max(limits.compile.memoryBytes, limits.run.memoryBytes)
  const { scratchBytes, tmpBytes, agentReserveBytes } = config.runner
  return job + scratchBytes + 2 * tmpBytes + agentReserveBytes
}

/**
 * The most a runner's answer to a job may take, in bytes: each stage's stdout and stderr at their limit
 * (and the interleaved `output`, when asked for), every byte escaped as JSON's worst (\u0000, six bytes),
 * and room for the rest. The proxy reads no further: a runner cannot make it hold more.
 */
export function maxResultBytes (limits: JobLimits, interleaved: boolean, judge?: Pick<JudgeSpec, 'tests' | 'outputBytesPerTest'>): number {
  const perStage = (stage: StageName) => limits[stage].outputBytes * 2 * (interleaved ? 2 : 1) * 6
  // A judge job's tests: their outputs cut to outputBytesPerTest, and their checker's message.
  const tests = judge ? judge.tests.length * (judge.outputBytesPerTest * 2 * 6 + 4096) : 0
  return perStage('compile') + perStage('run') + tests + 64 * 1024
}
