import type { Config, StageName } from './config'
import type { Language } from '../../runner/src/languages'

export interface RequestedLimits {
  compile?: { timeoutMs?: number }
  run?: { timeoutMs?: number }
}

export type EffectiveLimits = Record<StageName, { timeoutMs: number }>

/**
 * The limits a job runs under: the request's own value, else the language's default, else the pool's
 * default; never over the pool's maximum (the request schema already refuses a request over it).
 */
export function effectiveLimits (config: Config, language: Language, requested: RequestedLimits = {}): EffectiveLimits {
  const stage = (name: StageName) => {
    const timeoutMs = requested[name]?.timeoutMs ??
      language.limits[name]?.timeoutMs ??
      config.limits.default[name].timeoutMs
    return { timeoutMs: Math.min(timeoutMs, config.limits.max[name].timeoutMs) }
  }
  return { compile: stage('compile'), run: stage('run') }
}

/** How long the proxy waits for a runner's answer: every stage's own timeout plus room to clean up. */
export function runnerDeadlineMs (limits: EffectiveLimits, hasCompile: boolean): number {
  return (hasCompile ? limits.compile.timeoutMs : 0) + limits.run.timeoutMs + 10000
}
