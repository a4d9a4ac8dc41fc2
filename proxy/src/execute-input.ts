import { argsProblem } from '../../runner/src/contract/args'
import { findLanguage, languageNames } from '../../runner/src/contract/languages'
import type { Config } from './config'
import { InvalidFieldError, MissingFieldError, UnknownLanguageError, UnknownVersionError } from './errors'
import type { ExecutionInput } from './execution'
import type { ExecutionPool } from './execution-pool'
import { FilesError, prepareFiles, type PreparedFiles } from './files'
import { effectiveLimits } from './limits'
import type { ExecuteBody } from './schemas'
import { isVersionRange, versionSatisfies } from './versions'

/**
 * A validated /api/v1/execute body (a submission's too) as a job: its language and version checked, its
 * files checked and split, its limits resolved. Every problem is a 4xx naming the field.
 */
export function executionInput (body: ExecuteBody, config: Config, pool: Pick<ExecutionPool, 'versions'>): ExecutionInput {
  const language = findLanguage(body.language)
  if (!language) throw new UnknownLanguageError(JSON.stringify(body.language), languageNames().join(', '))
  if (body.version !== undefined) {
    if (!isVersionRange(body.version)) {
      throw new InvalidFieldError('version', `must be "*", a version or a semver range, got ${JSON.stringify(body.version)}`)
    }
    const have = pool.versions[language.name] ?? 'unknown'
    if (!versionSatisfies(body.version, have)) throw new UnknownVersionError(JSON.stringify(body.version), language.name, `${language.name} ${have}`)
  }
  const argsWrong = argsProblem(body.args ?? [])
  if (argsWrong) throw new InvalidFieldError(argsWrong.field, argsWrong.problem)
  if (body.code === undefined && body.files === undefined) throw new MissingFieldError('code (or files)')
  if (body.code !== undefined && body.files !== undefined) throw new InvalidFieldError('files', 'cannot come with code: send one or the other')
  let source: PreparedFiles = { code: body.code ?? '', files: [] }
  if (body.files !== undefined) {
    try {
      source = prepareFiles(body.files, language, config.runner.scratchBytes)
    } catch (err) {
      if (err instanceof FilesError) throw new InvalidFieldError(err.field, err.problem)
      throw err
    }
  }
  const limits = effectiveLimits(config, language, body.limits)
  return { language, ...source, stdin: body.stdin ?? '', args: body.args ?? [], limits }
}
