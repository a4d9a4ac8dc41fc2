import type { Config } from '../../config'
import type { JobRequest } from '../../job-input'
import { commandsFor, findLanguage } from '../../../../runner/src/contract/languages'
import { judge0Language, type Judge0Language } from './languages'
import { outputBytes } from '../../stage-output'
import { utf8Text } from './output'
import type { Judge0Outcome } from './runs'
import { unzip, ZipError, type ZipEntry } from './zip'
import { signalNumber, status, statusOf } from './statuses'

// A Judge0 submission (v1.13.1's app/models/submission.rb, its serializer and config.rb's defaults) in
// our terms, and our result in its shape.

/** Every field a submission answers with `fields=*` (SubmissionSerializer: the columns, status, language). */
export const AVAILABLE_FIELDS = [
  'source_code', 'language_id', 'stdin', 'expected_output', 'stdout', 'status_id', 'created_at', 'finished_at', 'time', 'memory',
  'stderr', 'token', 'number_of_runs', 'cpu_time_limit', 'cpu_extra_time', 'wall_time_limit', 'memory_limit', 'stack_limit',
  'max_processes_and_or_threads', 'enable_per_process_and_thread_time_limit', 'enable_per_process_and_thread_memory_limit',
  'max_file_size', 'compile_output', 'exit_code', 'exit_signal', 'message', 'wall_time', 'compiler_options', 'command_line_arguments',
  'redirect_stderr_to_stdout', 'callback_url', 'additional_files', 'enable_network', 'status', 'language'
] as const

export const DEFAULT_FIELDS = ['token', 'time', 'memory', 'stdout', 'stderr', 'compile_output', 'message', 'status'] as const

/** `fields` as Judge0 reads it: `*` is every field, none the defaults; an unknown one is named. */
export function requestedFields (fields: string | undefined): { fields: readonly string[] } | { invalid: string[] } {
  const asked = (fields ?? '').split(',').filter((field) => field !== '')
  const invalid = asked.filter((field) => field !== '*' && !(AVAILABLE_FIELDS as readonly string[]).includes(field))
  if (invalid.length > 0) return { invalid }
  if (asked.includes('*')) return { fields: AVAILABLE_FIELDS }
  return { fields: asked.length > 0 ? asked : DEFAULT_FIELDS }
}

/** Judge0's numeric limits: default, least, most (config.rb), and how a client's value reads. */
const NUMBERS = {
  number_of_runs: { default: 1, min: 1, max: 20, integer: true },
  cpu_time_limit: { default: 5, min: 0, max: 15, integer: false },
  cpu_extra_time: { default: 1, min: 0, max: 5, integer: false },
  wall_time_limit: { default: 10, min: 1, max: 20, integer: false },
  memory_limit: { default: 128000, min: 2048, max: 512000, integer: true },
  stack_limit: { default: 64000, min: 0, max: 128000, integer: true },
  max_processes_and_or_threads: { default: 60, min: 1, max: 120, integer: true },
  max_file_size: { default: 1024, min: 0, max: 4096, integer: true }
} as const

export type NumberField = keyof typeof NUMBERS
export type NumberRule = { default: number, min: number, max: number, integer: boolean }

/**
 * The limits this server takes, in Judge0's units: Judge0's, each maximum no higher than ours (our
 * limits.max.run, judge.maxTests), and each default no higher than its maximum. /config_info says these.
 */
export function numberRules (config: Config): Record<NumberField, NumberRule> {
  const run = config.limits.max.run
  const ours: Record<NumberField, number> = {
    number_of_runs: config.judge.maxTests,
    cpu_time_limit: run.cpuTimeMs / 1000,
    cpu_extra_time: Infinity,
    wall_time_limit: run.timeoutMs / 1000,
    memory_limit: Math.floor(run.memoryBytes / 1024),
    stack_limit: Infinity,
    max_processes_and_or_threads: run.processes,
    max_file_size: Math.floor(Math.min(run.fileSizeBytes, run.outputBytes) / 1024)
  }
  const rules = {} as Record<NumberField, NumberRule>
  for (const [field, rule] of Object.entries(NUMBERS) as Array<[NumberField, NumberRule]>) {
    const max = Math.min(rule.max, ours[field])
    rules[field] = { ...rule, max, default: Math.min(rule.default, max) }
  }
  return rules
}

/** A submission as it was asked for, its defaults filled: what `fields=*` shows of it. */
export interface Judge0Request {
  source_code: string
  language_id: number
  stdin: string | null
  expected_output: string | null
  compiler_options: string | null
  command_line_arguments: string | null
  redirect_stderr_to_stdout: boolean
  callback_url: string | null
  /** The zip as it was sent (decoded), and its files. */
  additional_files: { zip: Buffer, files: ZipEntry[] } | null
  enable_per_process_and_thread_time_limit: boolean
  enable_per_process_and_thread_memory_limit: boolean
  enable_network: boolean
  numbers: Record<NumberField, number>
}

/** Judge0's 422: every field's problems, by field. */
export class Judge0ValidationError extends Error {
  constructor (readonly errors: Record<string, string[]>) {
    super(`invalid submission: ${Object.keys(errors).join(', ')}`)
  }
}

const text = (value: unknown): string | null => typeof value === 'string' ? value : value === undefined || value === null ? null : String(value)

const BASE64 = /^[A-Za-z0-9+/\n\r]*={0,2}[\n\r]*$/

function decoded (value: string | null, base64: boolean, field: string, errors: Record<string, string[]>): string | null {
  if (value === null || !base64) return value
  if (!BASE64.test(value)) {
    (errors[field] ??= []).push('is not valid base64')
    return null
  }
  return Buffer.from(value, 'base64').toString('utf8')
}

/** Base64 as Judge0 writes it (Ruby's Base64.encode64): lines of 60 characters, each ended by a newline. */
export function encode64 (bytes: Buffer | string): string {
  const text = Buffer.from(bytes).toString('base64')
  return text.replace(/.{1,60}/g, '$&\n')
}

/** Judge0 takes these out of compiler options and arguments (isolate_job.rb) before its shell sees them. */
const SHELL_CHARACTERS = /[$&;<>|`]/g

/**
 * Words split as a shell would, quotes joining what they hold to the word they are in (`-DN="a b"` is
 * one word, `-DN=a b`), a backslash escaping the next character outside single quotes: how Judge0's
 * command_line_arguments and compiler_options reach the program.
 */
export function shellWords (line: string): string[] {
  const words: string[] = []
  let word: string | null = null
  let quote: '"' | "'" | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote === "'") {
      if (c === "'") quote = null
      else word += c
    } else if (c === '\\' && i + 1 < line.length && (quote === null || '"\\$`'.includes(line[i + 1]))) {
      word = (word ?? '') + line[++i]
    } else if (quote === '"') {
      if (c === '"') quote = null
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      word ??= ''
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word)
      word = null
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== null) words.push(word)
  return words
}

/** A Judge0 body, checked as Judge0 checks it; throws Judge0ValidationError with every problem. */
export function judge0Request (body: Record<string, unknown>, base64: boolean, config: Config): Judge0Request {
  const errors: Record<string, string[]> = {}
  const fail = (field: string, message: string) => { (errors[field] ??= []).push(message) }
  const sourceCode = decoded(text(body.source_code), base64, 'source_code', errors)
  if (sourceCode === null || sourceCode === '') fail('source_code', "can't be blank")
  let languageId = NaN
  if (body.language_id === undefined || body.language_id === null || body.language_id === '') fail('language_id', "can't be blank")
  else {
    languageId = Number(body.language_id)
    if (!judge0Language(languageId)) fail('language_id', `language with id ${body.language_id} doesn't exist`)
  }
  const numbers = {} as Record<NumberField, number>
  for (const [field, rule] of Object.entries(numberRules(config)) as Array<[NumberField, NumberRule]>) {
    const given = body[field]
    const value = given === undefined || given === null || given === '' ? rule.default : Number(given)
    numbers[field] = value
    if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) fail(field, rule.integer ? 'must be an integer' : 'is not a number')
    else if (value < rule.min) fail(field, `must be greater than or equal to ${rule.min}`)
    else if (value > rule.max) fail(field, `must be less than or equal to ${rule.max}`)
  }
  const flag = (field: string) => body[field] === true || body[field] === 'true'
  if (flag('enable_network')) fail('enable_network', 'programs never have a network here: runners have none at all')
  const compilerOptions = text(body.compiler_options)
  if (compilerOptions !== null && compilerOptions.length > 512) fail('compiler_options', 'is too long (maximum is 512 characters)')
  const language = judge0Language(languageId)
  if (compilerOptions !== null && compilerOptions.trim() !== '' && language && !findLanguage(language.language)!.compile) {
    fail('compiler_options', 'setting compiler options is only allowed for compiled languages')
  }
  const commandLine = text(body.command_line_arguments)
  if (commandLine !== null && commandLine.length > 512) fail('command_line_arguments', 'is too long (maximum is 512 characters)')
  const callbackUrl = text(body.callback_url)
  if (callbackUrl !== null && callbackUrl !== '') {
    if (!config.judge0.callbacks) fail('callback_url', 'setting callback is not allowed')
    else if (!/^https?:\/\/[^\s]+$/i.test(callbackUrl)) fail('callback_url', 'must be an http or https URL')
  }
  const stdin = decoded(text(body.stdin), base64, 'stdin', errors)
  const expectedOutput = decoded(text(body.expected_output), base64, 'expected_output', errors)
  const additionalFiles = zipOf(text(body.additional_files), config, fail)
  if (Object.keys(errors).length > 0) throw new Judge0ValidationError(errors)
  return {
    source_code: sourceCode!,
    language_id: languageId,
    stdin,
    expected_output: expectedOutput,
    compiler_options: compilerOptions,
    command_line_arguments: commandLine,
    redirect_stderr_to_stdout: flag('redirect_stderr_to_stdout'),
    callback_url: callbackUrl === '' ? null : callbackUrl,
    additional_files: additionalFiles,
    enable_per_process_and_thread_time_limit: flag('enable_per_process_and_thread_time_limit'),
    enable_per_process_and_thread_memory_limit: flag('enable_per_process_and_thread_memory_limit'),
    enable_network: false,
    numbers
  }
}

/** Submissions in one batch, at most (Judge0's MAX_SUBMISSION_BATCH_SIZE). */
export const MAX_BATCH = 20

/**
 * Judge0's unpacked size limit (MAX_EXTRACT_SIZE, 10240 KB), here no more than a request body may carry:
 * the files travel in the job to the runner, whose memory reserve counts a body's worth of input.
 */
export const maxExtractKb = (config: Config) => Math.min(10240, Math.floor(config.bodyLimitBytes / 1024))

/** additional_files (always base64, as Judge0 reads it), unpacked; a problem is told to `fail`. */
function zipOf (value: string | null, config: Config, fail: (field: string, message: string) => void): Judge0Request['additional_files'] {
  if (value === null || value === '') return null
  if (!BASE64.test(value)) {
    fail('additional_files', 'is not valid base64')
    return null
  }
  const zip = Buffer.from(value, 'base64')
  try {
    return { zip, files: unzip(zip, maxExtractKb(config) * 1024) }
  } catch (err) {
    if (!(err instanceof ZipError)) throw err
    fail('additional_files', err.message)
    return null
  }
}

/** Options as Judge0 gives them to its compile script: its shell characters taken out, then split as words. */
export function compilerArgs (options: string | null): string[] {
  return shellWords((options ?? '').replace(SHELL_CHARACTERS, ''))
}

/**
 * The job a Judge0 submission asks for: its run limits from Judge0's fields (0 CPU seconds: our maximum),
 * and its additional files next to the source (the source wins a clash, as `unzip -n` leaves it).
 */
export function jobRequestOf (request: Judge0Request, config: Config): JobRequest {
  const { numbers } = request
  const max = config.limits.max.run
  const ms = (seconds: number) => Math.max(1, Math.round(seconds * 1000))
  const language = judge0Language(request.language_id)!.language
  const entry = commandsFor(findLanguage(language)!, request.source_code).fileName
  const others = (request.additional_files?.files ?? [])
    .filter((file) => file.name !== entry)
    .map((file) => ({ name: file.name, content: file.data.toString('base64'), encoding: 'base64' as const }))
  return {
    language,
    ...(others.length > 0 ? { files: [{ content: request.source_code }, ...others] } : { code: request.source_code }),
    compileArgs: compilerArgs(request.compiler_options),
    stderrToStdout: request.redirect_stderr_to_stdout,
    stdin: request.stdin ?? '',
    args: shellWords(request.command_line_arguments ?? ''),
    limits: {
      run: {
        cpuTimeMs: numbers.cpu_time_limit === 0 ? max.cpuTimeMs : Math.min(max.cpuTimeMs, ms(numbers.cpu_time_limit)),
        timeoutMs: ms(numbers.wall_time_limit),
        memoryBytes: Math.min(max.memoryBytes, numbers.memory_limit * 1024),
        processes: numbers.max_processes_and_or_threads,
        fileSizeBytes: Math.max(1, Math.min(max.fileSizeBytes, numbers.max_file_size * 1024)),
        outputBytes: Math.max(1, Math.min(max.outputBytes, numbers.max_file_size * 1024))
      }
    }
  }
}

/** A decimal as Rails writes one (BigDecimal): "5.0", "0.002". */
const decimal = (value: number | null): string | null => value === null ? null : Number.isInteger(value) ? `${value}.0` : String(value)
const seconds = (ms: number | null | undefined): string | null => ms === null || ms === undefined ? null : decimal(Math.round(ms) / 1000)

/** What one submission is, for its view: its request, token, times, and its answer once done. */
export interface Judge0Record {
  token: string
  request: Judge0Request
  createdAt: string
  state: 'queued' | 'running' | 'done'
  outcome?: Judge0Outcome
  finishedAt?: string
}

/** A submission in Judge0's shape, `fields` only, text in base64 when asked. */
export function judge0View (
  record: Judge0Record, fields: readonly string[], base64: boolean, versions: Record<string, string>
): Record<string, unknown> {
  const { request, outcome } = record
  const answer = outcome?.answer
  const encode = (value: string | null) => value === null || !base64 ? value : encode64(value)
  // Output, as the bytes the program wrote: base64 when asked, else text, which must then be UTF-8.
  const shown = (bytes: Buffer | null) => bytes === null || bytes.length === 0 ? null : base64 ? encode64(bytes) : utf8Text(bytes)
  const run = answer?.run ?? null
  const compile = answer?.compile
  const compiled = compile ? Buffer.concat([outputBytes(compile, 'stdout'), outputBytes(compile, 'stderr')]) : null
  const done = record.state === 'done' && answer !== undefined
  const judged = done ? statusOf(answer, request.expected_output, outcome!.accepted) : { id: record.state === 'queued' ? 1 : 2, message: null }
  const language: Judge0Language = judge0Language(request.language_id)!
  const all: Record<string, unknown> = {
    source_code: encode(request.source_code),
    language_id: request.language_id,
    stdin: encode(request.stdin),
    expected_output: encode(request.expected_output),
    stdout: () => shown(run && outputBytes(run, 'stdout')),
    status_id: judged.id,
    created_at: record.createdAt,
    finished_at: record.finishedAt ?? null,
    time: seconds(run?.cpuMs),
    memory: run ? Math.round(run.memoryBytes / 1024) : null,
    stderr: () => shown(run && outputBytes(run, 'stderr')),
    token: record.token,
    number_of_runs: request.numbers.number_of_runs,
    cpu_time_limit: decimal(request.numbers.cpu_time_limit),
    cpu_extra_time: decimal(request.numbers.cpu_extra_time),
    wall_time_limit: decimal(request.numbers.wall_time_limit),
    memory_limit: request.numbers.memory_limit,
    stack_limit: request.numbers.stack_limit,
    max_processes_and_or_threads: request.numbers.max_processes_and_or_threads,
    enable_per_process_and_thread_time_limit: request.enable_per_process_and_thread_time_limit,
    enable_per_process_and_thread_memory_limit: request.enable_per_process_and_thread_memory_limit,
    max_file_size: request.numbers.max_file_size,
    compile_output: () => compile?.status === 'timeout' && !answer!.run
      ? encode('Compilation time limit exceeded.') // isolate_job.rb's words
      : judged.id === 6 && (compiled === null || compiled.length === 0) ? encode('') : shown(compiled),
    exit_code: run ? run.exitCode ?? 0 : null,
    exit_signal: run ? signalNumber(run.signal) : null,
    message: encode(judged.message),
    wall_time: seconds(run?.wallMs),
    compiler_options: request.compiler_options,
    command_line_arguments: request.command_line_arguments,
    redirect_stderr_to_stdout: request.redirect_stderr_to_stdout,
    callback_url: request.callback_url,
    additional_files: request.additional_files && encode64(request.additional_files.zip),
    enable_network: request.enable_network,
    status: status(judged.id),
    language: { id: language.id, name: language.label(versions[language.language] ?? 'unknown') }
  }
  // Output is looked at only when asked for, as Judge0 converts only the fields it answers.
  return Object.fromEntries(fields.map((field) => [field, typeof all[field] === 'function' ? (all[field] as () => unknown)() : all[field]]))
}
