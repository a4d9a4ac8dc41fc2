import type { Config } from '../../config'
import type { ExecutionAnswer } from '../../execution'
import type { JobRequest } from '../../job-input'
import { judge0Language, type Judge0Language } from './languages'
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

type NumberField = keyof typeof NUMBERS

/** A submission as it was asked for, its defaults filled: what `fields=*` shows of it. */
export interface Judge0Request {
  source_code: string
  language_id: number
  stdin: string | null
  expected_output: string | null
  compiler_options: string | null
  command_line_arguments: string | null
  redirect_stderr_to_stdout: boolean
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

function decoded (value: string | null, base64: boolean, field: string, errors: Record<string, string[]>): string | null {
  if (value === null || !base64) return value
  if (!/^[A-Za-z0-9+/\n\r]*={0,2}$/.test(value)) {
    (errors[field] ??= []).push('is not valid base64')
    return null
  }
  return Buffer.from(value, 'base64').toString('utf8')
}

/** Words split as a shell would, quotes kept together: how Judge0's command_line_arguments reach the program. */
export function shellWords (line: string): string[] {
  const words: string[] = []
  for (const match of line.matchAll(/"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g)) words.push(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3])
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
  for (const [field, rule] of Object.entries(NUMBERS) as Array<[NumberField, typeof NUMBERS[NumberField]]>) {
    const given = body[field]
    const value = given === undefined || given === null || given === '' ? rule.default : Number(given)
    numbers[field] = value
    if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) fail(field, rule.integer ? 'must be an integer' : 'is not a number')
    else if (value < rule.min) fail(field, `must be greater than or equal to ${rule.min}`)
    else if (value > rule.max) fail(field, `must be less than or equal to ${rule.max}`)
  }
  // Ours: where our maximum is under Judge0's.
  const wallMax = config.limits.max.run.timeoutMs / 1000
  if (numbers.wall_time_limit > wallMax && !errors.wall_time_limit) {
    fail('wall_time_limit', `must be less than or equal to ${wallMax} (this server's maximum)`)
  }
  if (numbers.number_of_runs > 1 && !errors.number_of_runs) fail('number_of_runs', 'is 1 here: more runs are not supported yet')
  const flag = (field: string) => body[field] === true || body[field] === 'true'
  if (flag('enable_network')) fail('enable_network', 'programs never have a network here: runners have none at all')
  if (flag('redirect_stderr_to_stdout')) fail('redirect_stderr_to_stdout', 'is not supported yet')
  const compilerOptions = text(body.compiler_options)
  if (compilerOptions !== null && compilerOptions.trim() !== '') fail('compiler_options', 'setting compiler options is not supported yet')
  for (const field of ['callback_url', 'additional_files']) {
    if (text(body[field]) !== null && text(body[field]) !== '') fail(field, 'is not supported yet')
  }
  const commandLine = text(body.command_line_arguments)
  if (commandLine !== null && commandLine.length > 512) fail('command_line_arguments', 'is too long (maximum is 512 characters)')
  const stdin = decoded(text(body.stdin), base64, 'stdin', errors)
  const expectedOutput = decoded(text(body.expected_output), base64, 'expected_output', errors)
  if (Object.keys(errors).length > 0) throw new Judge0ValidationError(errors)
  return {
    source_code: sourceCode!,
    language_id: languageId,
    stdin,
    expected_output: expectedOutput,
    compiler_options: compilerOptions,
    command_line_arguments: commandLine,
    redirect_stderr_to_stdout: false,
    enable_per_process_and_thread_time_limit: flag('enable_per_process_and_thread_time_limit'),
    enable_per_process_and_thread_memory_limit: flag('enable_per_process_and_thread_memory_limit'),
    enable_network: false,
    numbers
  }
}

/** The job a Judge0 submission asks for: its run limits from Judge0's fields (0 CPU seconds: our maximum). */
export function jobRequestOf (request: Judge0Request, config: Config): JobRequest {
  const { numbers } = request
  const max = config.limits.max.run
  const ms = (seconds: number) => Math.max(1, Math.round(seconds * 1000))
  return {
    language: judge0Language(request.language_id)!.language,
    code: request.source_code,
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
  answer?: ExecutionAnswer
  finishedAt?: string
}

/** A submission in Judge0's shape, `fields` only, text in base64 when asked. */
export function judge0View (
  record: Judge0Record, fields: readonly string[], base64: boolean, versions: Record<string, string>
): Record<string, unknown> {
  const { request, answer } = record
  const encode = (value: string | null) => value === null || !base64 ? value : Buffer.from(value).toString('base64')
  const orNull = (value: string | undefined) => value === undefined || value === '' ? null : value
  const run = answer?.run ?? null
  const compiled = answer?.compile ? orNull(answer.compile.stdout + answer.compile.stderr) : null
  const done = record.state === 'done' && answer !== undefined
  const judged = done ? statusOf(answer, request.expected_output) : { id: record.state === 'queued' ? 1 : 2, message: null }
  const language: Judge0Language = judge0Language(request.language_id)!
  const all: Record<string, unknown> = {
    source_code: encode(request.source_code),
    language_id: request.language_id,
    stdin: encode(request.stdin),
    expected_output: encode(request.expected_output),
    stdout: encode(orNull(run?.stdout)),
    status_id: judged.id,
    created_at: record.createdAt,
    finished_at: record.finishedAt ?? null,
    time: seconds(run?.cpuMs),
    memory: run ? Math.round(run.memoryBytes / 1024) : null,
    stderr: encode(orNull(run?.stderr)),
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
    compile_output: encode(answer?.status === 'compile_error' ? compiled ?? '' : compiled),
    exit_code: run ? run.exitCode ?? 0 : null,
    exit_signal: run ? signalNumber(run.signal) : null,
    message: encode(judged.message),
    wall_time: seconds(run?.wallMs),
    compiler_options: request.compiler_options,
    command_line_arguments: request.command_line_arguments,
    redirect_stderr_to_stdout: request.redirect_stderr_to_stdout,
    callback_url: null,
    additional_files: null,
    enable_network: request.enable_network,
    status: status(judged.id),
    language: { id: language.id, name: language.label(versions[language.language] ?? 'unknown') }
  }
  return Object.fromEntries(fields.map((field) => [field, all[field]]))
}
