import { languages } from '../../runner/src/contract/languages'
import type { ExecutionPool } from './execution-pool'

/**
 * The language table, with each toolchain's version as the runners report it ("unknown" before the
 * first runner has started): what every API's list of languages is made from.
 */
export function runtimes (pool: Pick<ExecutionPool, 'versions'>) {
  return languages.map((language) => ({
    language: language.name,
    version: pool.versions[language.name] ?? 'unknown',
    aliases: language.aliases,
    compiled: language.compile !== undefined
  }))
}
