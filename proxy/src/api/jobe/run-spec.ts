import { DEFAULT_PARAMS, jobeLanguage, type JobeLanguage, type JobeParams } from './languages'

// A POST runs body, checked as Jobe's RunSpecifier checks it, its parameters read as LanguageTask's
// getParam reads them. Every refusal is Jobe's: an HTTP status and a message, sent as a JSON string.

/** Jobe's JobException: its message is the body (a JSON string), its status the answer's. */
export class JobeError extends Error {
  constructor (readonly statusCode: number, message: string) {
    super(message)
  }
}

/** A file of file_list: the id it was PUT under, and the name it takes in the run's directory. */
export interface ListedFile {
  id: string
  name: string
}

export interface JobeRun {
  language: JobeLanguage
  sourcecode: string
  /** The run_spec's, else the language's default (null: Java without a main class). */
  sourcefilename: string | null
  input: string
  params: JobeParams
  files: ListedFile[]
}

const MIN_FILE_IDENTIFIER_SIZE = 8

/** RunSpecifier's isValidSourceFilename: nothing a file system, a URI or a shell would read specially, no leading . or -. */
function isValidSourceFilename (name: string): boolean {
  // eslint-disable-next-line no-control-regex
  const sanitised = name.replace(/[<>:"/\\|?*]|[\x00-\x1F]|[\x7F\xA0\xAD]|[#[\]@!$&'()+,;=]|[{}^~`]/g, '-').replace(/^[.-]+/, '')
  return sanitised === name
}

const alphanumeric = (text: string) => /^[A-Za-z0-9]+$/.test(text)

/** RunSpecifier's isValidFilespec: [id, name] (or a third element), the id at least 8 alphanumerics, the name alphanumerics and -_. */
function isValidFilespec (file: unknown): file is [string, string] {
  return Array.isArray(file) && (file.length === 2 || file.length === 3) && typeof file[0] === 'string' && typeof file[1] === 'string' &&
    file[0].length >= MIN_FILE_IDENTIFIER_SIZE && alphanumeric(file[0]) && file[1].length > 0 && alphanumeric(file[1].replace(/[-_.]/g, ''))
}

/** PHP's print_r of a file specifier, as Jobe's message shows it. */
function printR (value: unknown): string {
  if (!Array.isArray(value)) return typeof value === 'object' && value !== null ? 'stdClass Object\n(\n)\n' : String(value)
  return `Array\n(\n${value.map((item, index) => `    [${index}] => ${String(item)}\n`).join('')})\n`
}

/** PHP's is_numeric, for a parameter whose default is a number. */
const isNumeric = (value: unknown) => typeof value === 'number'
  ? Number.isFinite(value)
  : typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)

const NUMBERS = ['disklimit', 'streamsize', 'cputime', 'memorylimit', 'numprocs'] as const
const LISTS = ['compileargs', 'linkargs', 'interpreterargs', 'runargs'] as const

/**
 * getParam: the run_spec's value, else the language's default, else Jobe's; a number whose given value
 * is not numeric falls back to its default (Jobe's guard against command injection, issue 39).
 */
export function paramsOf (language: JobeLanguage, given: Record<string, unknown>): JobeParams {
  const defaults: JobeParams = { ...DEFAULT_PARAMS, ...language.defaults }
  const params: JobeParams = { ...defaults }
  for (const key of NUMBERS) {
    if (key in given) params[key] = isNumeric(given[key]) ? Number(given[key]) : defaults[key]
  }
  for (const key of LISTS) {
    if (!(key in given)) continue
    const value = given[key]
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new JobeError(400, `parameters.${key} must be a list of strings`)
    }
    params[key] = value
  }
  if (typeof given.main_class === 'string') params.main_class = given.main_class
  return { ...params, ...language.forced?.(params) }
}

/** A run_spec as Jobe's RunSpecifier reads it; throws JobeError as Jobe answers. */
export function readRunSpec (body: unknown, maxCputimeSecs: number): JobeRun {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new JobeError(400, 'Non-JSON post data received')
  const run = (body as { run_spec?: unknown }).run_spec
  if (typeof run !== 'object' || run === null || Array.isArray(run)) throw new JobeError(400, 'No run_spec attribute found in post data')
  const spec = run as Record<string, unknown>
  for (const attribute of ['sourcecode', 'language_id']) {
    if (spec[attribute] === undefined || spec[attribute] === null) {
      throw new JobeError(400, `run_spec is missing the required attribute '${attribute}'`)
    }
  }
  const id = String(spec.language_id).toLowerCase()
  const language = jobeLanguage(id)
  if (!language) throw new JobeError(400, `Language '${id}' is not known`)
  const given = typeof spec.parameters === 'object' && spec.parameters !== null ? spec.parameters as Record<string, unknown> : {}
  if (Math.trunc(Number(given.cputime ?? 0)) > maxCputimeSecs) {
    throw new JobeError(400, `cputime exceeds maximum allowed on this Jobe server (${maxCputimeSecs} secs)`)
  }
  const sourcecode = String(spec.sourcecode)
  let sourcefilename: string | null = null
  if (spec.sourcefilename !== undefined && spec.sourcefilename !== null) {
    const name = String(spec.sourcefilename)
    if (!isValidSourceFilename(name)) throw new JobeError(400, 'The sourcefilename for the run_spec is illegal')
    if (name !== 'prog.java' && name !== '') sourcefilename = name
  }
  const files: ListedFile[] = []
  for (const file of Array.isArray(spec.file_list) ? spec.file_list : []) {
    if (!isValidFilespec(file)) throw new JobeError(400, `Invalid file specifier: ${printR(file)}`)
    files.push({ id: file[0], name: file[1] })
  }
  return {
    language,
    sourcecode,
    sourcefilename: sourcefilename ?? language.defaultFileName(sourcecode),
    input: typeof spec.input === 'string' ? spec.input : spec.input === undefined || spec.input === null ? '' : String(spec.input),
    params: paramsOf(language, given),
    files
  }
}
