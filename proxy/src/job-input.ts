import { argsProblem } from '../../runner/src/contract/args'
import { findLanguage, languageNames } from '../../runner/src/contract/languages'
import type { Config } from './config'
import { InvalidFieldError, MissingFieldError, UnknownLanguageError, UnknownVersionError } from './errors'
import type { ExecutionInput } from './execution'
import { prepareFiles, type PreparedFiles, type SourceFile } from './files'
import { effectiveLimits, type RequestedLimits } from './limits'
import { isVersionRange, versionSatisfies } from './versions'

/** What every API's request names of a job, once in our terms: each API's plugin maps its own fields onto it. */
export interface JobRequest {
  language: string
  version?: string
  /** The entry point's source; or `files`, the entry point first. */
  code?: string
  files?: SourceFile[]
  stdin?: string
  args?: string[]
  /** Options for the compiler, before the sources. */
  compileArgs?: string[]
  /** The run's stderr read as its stdout. */
  stderrToStdout?: boolean
  limits?: RequestedLimits
}

/**
 * A request as the job to run: its language and version checked against what the runners have, its
 * files checked and split, its limits resolved. Each problem is one of errors.ts's 4xx errors naming the
 * field, which each API answers in its own shape.
 */
export function jobInput (request: JobRequest, config: Config, versions: Record<string, string>): ExecutionInput {
  const language = findLanguage(request.language)
  if (!language) throw new UnknownLanguageError(JSON.stringify(request.language), languageNames().join(', '))
  if (request.version !== undefined) {
    if (!isVersionRange(request.version)) {
      throw new InvalidFieldError('version', `must be "*", a version or a semver range, got ${JSON.stringify(request.version)}`)
    }
    const have = versions[language.name] ?? 'unknown'
    if (!versionSatisfies(request.version, have)) {
      throw new UnknownVersionError(JSON.stringify(request.version), language.name, `${language.name} ${have}`)
    }
  }
  const argsWrong = argsProblem(request.args ?? [])
  if (argsWrong) throw new InvalidFieldError(argsWrong.field, argsWrong.problem)
  const compileArgsWrong = argsProblem(request.compileArgs ?? [], 'compileArgs')
  if (compileArgsWrong) throw new InvalidFieldError(compileArgsWrong.field, compileArgsWrong.problem)
  if (request.code === undefined && request.files === undefined) throw new MissingFieldError('code (or files)')
  if (request.code !== undefined && request.files !== undefined) throw new InvalidFieldError('files', 'cannot come with code: send one or the other')
  const source: PreparedFiles = request.files !== undefined
    ? prepareFiles(request.files, language, config.runner.scratchBytes)
    : { code: request.code ?? '', files: [] }
  const limits = effectiveLimits(config, language, request.limits)
  return {
    language,
    ...source,
    stdin: request.stdin ?? '',
    args: request.args ?? [],
    ...(request.compileArgs?.length ? { compileArgs: request.compileArgs } : {}),
    ...(request.stderrToStdout ? { stderrToStdout: true } : {}),
    limits
  }
}
