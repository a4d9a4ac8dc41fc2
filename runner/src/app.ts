import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFileSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { parseStatBytes, type MemoryCgroup } from './cgroup'
import { argsProblem } from './contract/args'
import { COMPARISON_TYPES } from './contract/checkers'
import type { AgentConfig } from './config'
import { INTERACTIVE_PROTOCOL } from './contract/interactive-protocol'
import { interactiveJob, type InteractiveJob } from './interactive'
import type { JobRequest, JudgeSpec } from './contract/job'
import { runJob, type LiveJob } from './job'
import { JobStop } from './job-stop'
import { decodeJob, JOB_CONTENT_TYPE } from './contract/job-wire'
import { findLanguage, languages, type Language } from './contract/languages'
import { LIMIT_NAMES } from './contract/limits'
import { Launcher } from './launcher'
import { liveEventLine, RESULT_LINE_PREFIX } from './contract/live-events'
import { ndjsonLiveJob } from './live-job'
import { streamSink, writeResult, type ResultShape } from './result-writer'
import type { Versions } from './versions'

class RequestError extends Error {
  constructor (readonly statusCode: number, readonly code: string, message: string) {
    super(message)
  }
}

function send (res: ServerResponse, statusCode: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

function readBody (req: IncomingMessage, limit: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new RequestError(413, 'RUNNER_ERR_BODY_TOO_LARGE', `body is over ${limit} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(chunks))
    req.on('error', reject)
  })
}

function isStageLimits (value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.entries(value).every(([name, limit]) =>
    (LIMIT_NAMES as readonly string[]).includes(name) && Number.isInteger(limit) && (limit as number) > 0)
}

/**
 * The proxy validates requests fully; this guards the agent against anything else that reaches it.
 * `header` is the job's JSON line (job-wire.ts): stdin is not in it.
 */
export function parseJob (header: string): JobRequest {
  let job: JobRequest
  try {
    job = JSON.parse(header)
  } catch {
    throw new RequestError(400, 'RUNNER_ERR_INVALID_JSON', 'the job line is not valid JSON')
  }
  if (typeof job !== 'object' || job === null) throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'body must be an object')
  if (typeof job.language !== 'string') throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'language must be a string')
  if (typeof job.code !== 'string') throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'code must be a string')
  if ('stdin' in job) throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'stdin goes after the job line as raw bytes, not in it')
  const invalid = (message: string) => new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', message)
  if (job.entryName !== undefined && typeof job.entryName !== 'string') throw invalid('entryName must be a string')
  if (job.files !== undefined && !(Array.isArray(job.files) && job.files.every((file) => typeof file === 'object' && file !== null &&
      typeof file.name === 'string' && typeof file.content === 'string' && [undefined, 'utf8', 'base64'].includes(file.encoding)))) {
    throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'files must be an array of {name, content, encoding: utf8 | base64}')
  }
  if (job.stream !== undefined && typeof job.stream !== 'boolean') throw invalid('stream must be a boolean')
  if (job.interleaved !== undefined && typeof job.interleaved !== 'boolean') throw invalid('interleaved must be a boolean')
  if (job.outputBase64 !== undefined && typeof job.outputBase64 !== 'boolean') throw invalid('outputBase64 must be a boolean')
  if (job.args !== undefined && !(Array.isArray(job.args) && job.args.every((arg) => typeof arg === 'string'))) {
    throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'args must be an array of strings')
  }
  const argsWrong = argsProblem(job.args ?? [])
  if (argsWrong) throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', `${argsWrong.field} ${argsWrong.problem}`)
  if (job.compileArgs !== undefined && !(Array.isArray(job.compileArgs) && job.compileArgs.every((arg) => typeof arg === 'string'))) {
    throw invalid('compileArgs must be an array of strings')
  }
  const compileArgsWrong = argsProblem(job.compileArgs ?? [], 'compileArgs')
  if (compileArgsWrong) throw invalid(`${compileArgsWrong.field} ${compileArgsWrong.problem}`)
  if (job.stderrToStdout !== undefined && typeof job.stderrToStdout !== 'boolean') throw invalid('stderrToStdout must be a boolean')
  if (job.commands !== undefined) checkCommands(job.commands, invalid)
  if (job.addressSpaceBytes !== undefined && !(Number.isInteger(job.addressSpaceBytes) && job.addressSpaceBytes > 0)) {
    throw invalid('addressSpaceBytes must be a positive integer')
  }
  if (job.limits !== undefined && (typeof job.limits !== 'object' || job.limits === null ||
      !isStageLimits(job.limits.compile) || !isStageLimits(job.limits.run))) {
    throw invalid(`limits.compile and limits.run may hold only ${LIMIT_NAMES.join(', ')}, each a positive integer`)
  }
  if (job.judge !== undefined) checkJudge(job.judge, invalid)
  return job
}

function checkCommands (commands: NonNullable<JobRequest['commands']>, invalid: (message: string) => Error): void {
  const isArgv = (argv: unknown) => Array.isArray(argv) && argv.length > 0 && argv.every((arg) => typeof arg === 'string') && !argsProblem(argv)
  if (typeof commands !== 'object' || commands === null || !isArgv(commands.run) || (commands.compile !== undefined && !isArgv(commands.compile))) {
    throw invalid('commands must be {compile?, run}, each a non-empty argv of strings')
  }
}

const shapeOf = (job: JobRequest): ResultShape => ({ interleaved: job.interleaved === true, base64: job.outputBase64 === true })

function checkJudge (judge: JudgeSpec, invalid: (message: string) => Error): void {
  if (typeof judge !== 'object' || judge === null) throw invalid('judge must be an object')
  const isText = (value: unknown) => typeof value === 'string'
  if (!Array.isArray(judge.tests) || judge.tests.length === 0 || !judge.tests.every((test) => typeof test === 'object' && test !== null &&
      isText(test.name) && isText(test.stdin) && (test.expectedOutput === undefined || isText(test.expectedOutput)) && isStageLimits(test.limits))) {
    throw invalid('judge.tests must be a non-empty array of {name, stdin, expectedOutput?, limits?}')
  }
  const checker = judge.checker as { type?: unknown, absolute?: unknown, relative?: unknown, language?: unknown, code?: unknown }
  const bound = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0)
  const program = typeof checker === 'object' && checker !== null && checker.type === 'program'
  if (program && (typeof checker.language !== 'string' || !findLanguage(checker.language) || typeof checker.code !== 'string')) {
    throw invalid('a judge.checker program needs a supported language and its code')
  }
  if (!program && (typeof checker !== 'object' || checker === null || !(COMPARISON_TYPES as readonly unknown[]).includes(checker.type) ||
      !bound(checker.absolute) || !bound(checker.relative))) {
    throw invalid('judge.checker must be {type: exact | lines | tokens | float, absolute?, relative?} or {type: program, language, code}')
  }
  if (typeof judge.stopOnFirstFailure !== 'boolean') throw invalid('judge.stopOnFirstFailure must be a boolean')
  if (!Number.isInteger(judge.outputBytesPerTest) || judge.outputBytesPerTest < 0) throw invalid('judge.outputBytesPerTest must be a whole number')
}

/** A refusal on a socket that asked for an upgrade, as a plain HTTP answer. */
function refuseUpgrade (socket: Duplex, statusCode: number, code: string, message: string): void {
  const json = JSON.stringify({ error: { code, message } })
  const head = [`HTTP/1.1 ${statusCode} ${code}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(json)}`, 'connection: close']
  socket.end(`${head.join('\r\n')}\r\n\r\n${json}`)
}

export interface Agent {
  server: Server
  busy: () => boolean
  /** Stops the launcher; the server is closed by its owner. */
  close: () => void
}

/** Whether the cgroup's memory.stat has its anonymous memory line, for the launcher to read. */
function anonMemoryReadable (cgroup: MemoryCgroup | null): boolean {
  if (cgroup === null) return false
  try {
    return parseStatBytes(readFileSync(cgroup.statPath, 'latin1'), cgroup.anonKey) !== null
  } catch {
    return false
  }
}

export function buildAgent (config: AgentConfig, versions: Versions): Agent {
  // The launcher starts with the agent, so the first job does not wait for it.
  const options = [
    ...(config.ipcCleanup === 'namespace' ? ['--ipc=all'] : []),
    ...(config.memoryWatch === 'sandbox' ? ['--memory-watch=sandbox'] : []),
    ...(config.pidNamespace === 'stage' ? ['--pid-namespace=stage'] : []),
    ...(anonMemoryReadable(config.memoryCgroup) ? [`--memory-stat=${config.memoryCgroup!.statPath}:${config.memoryCgroup!.anonKey}`] : [])
  ]
  const launcher = new Launcher(config.launcherPath, [...options, config.scratchRoot, ...config.wipeDirs])
  launcher.start()
  let busy = false
  /** The interactive job running now. */
  let interactive: InteractiveJob | undefined
  /** The batch job running now: POST /kill stops it. */
  let batch: JobStop | undefined
  const runtimes = languages.map((language) => ({
    language: language.name,
    version: versions[language.name] ?? 'unknown',
    aliases: language.aliases
  }))

  /** The job's line checked, with its language and the version this runner has. */
  function prepare (header: string): { job: JobRequest, language: Language, version: string } {
    const job = parseJob(header)
    const language = findLanguage(job.language)
    if (!language) {
      throw new RequestError(400, 'RUNNER_ERR_UNKNOWN_LANGUAGE', `language ${JSON.stringify(job.language)} is not supported`)
    }
    return { job, language, version: versions[language.name] ?? 'unknown' }
  }

  const run = ({ job, language, version }: ReturnType<typeof prepare>, stdin: Buffer[], live?: LiveJob, stop?: JobStop) =>
    runJob(job, stdin, language, version, config, launcher, live, stop)

  async function execute (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (busy) {
      // Drain the body so the connection stays usable, then refuse.
      req.resume()
      send(res, 409, { error: { code: 'RUNNER_ERR_BUSY', message: 'this runner is running a job already; it takes one job at a time' } })
      return
    }
    busy = true
    try {
      if (req.headers['content-type'] !== JOB_CONTENT_TYPE) {
        req.resume()
        throw new RequestError(415, 'RUNNER_ERR_CONTENT_TYPE', `the body must be ${JOB_CONTENT_TYPE}: a JSON line, then stdin`)
      }
      const body = decodeJob(await readBody(req, config.bodyLimitBytes))
      if (!body) throw new RequestError(400, 'RUNNER_ERR_INVALID_JSON', 'the body has no job line')
      const prepared = prepare(body.header)
      const shape = shapeOf(prepared.job)
      batch = new JobStop(launcher)
      if (prepared.job.stream) {
        // NDJSON (live-job.ts): the answer starts before the job ends.
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        const result = await run(prepared, body.stdin, ndjsonLiveJob((line) => res.write(line)), batch)
        await writeResult(streamSink(res), result, shape, RESULT_LINE_PREFIX, '\n')
        res.end()
        return
      }
      const result = await run(prepared, body.stdin, undefined, batch)
      // Chunked: its length is not known before it is written (result-writer.ts).
      res.writeHead(200, { 'content-type': 'application/json' })
      await writeResult(streamSink(res), result, shape)
      res.end()
    } catch (err) {
      if (res.headersSent) {
        res.end(liveEventLine({ type: 'result', error: { code: 'RUNNER_ERR_INTERNAL', message: (err as Error).message } }))
      } else if (err instanceof RequestError) {
        send(res, err.statusCode, { error: { code: err.code, message: err.message } })
      } else {
        send(res, 500, { error: { code: 'RUNNER_ERR_INTERNAL', message: (err as Error).message } })
      }
    } finally {
      busy = false
      batch = undefined
    }
  }

  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/execute') {
      void execute(req, res)
    } else if (req.method === 'POST' && req.url === '/kill') {
      // The job's client has gone, or cancelled it: its program dies out of band, whatever input waits ahead of it
      // (this comes on a connection of its own: the job's is busy with the job).
      req.resume()
      interactive?.kill()
      batch?.request()
      send(res, 200, { killed: interactive !== undefined || batch !== undefined })
    } else if (req.method === 'GET' && req.url === '/health') {
      send(res, 200, { status: 'ok', busy, runtimes })
    } else {
      req.resume()
      send(res, 404, { error: { code: 'RUNNER_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url}` } })
    }
  })
  // An interactive job: the client upgrades its connection, sends the job's line and then stdin and
  // signals while the program runs (interactive.ts).
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {})
    if (req.url !== '/interactive' || req.headers.upgrade?.toLowerCase() !== INTERACTIVE_PROTOCOL) {
      refuseUpgrade(socket, 404, 'RUNNER_ERR_NOT_FOUND', `no upgrade to ${req.headers.upgrade} at ${req.url}`)
      return
    }
    if (busy) {
      refuseUpgrade(socket, 409, 'RUNNER_ERR_BUSY', 'this runner is running a job already; it takes one job at a time')
      return
    }
    busy = true
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${INTERACTIVE_PROTOCOL}\r\n\r\n`)
    const job = interactiveJob(socket, head, {
      launcher,
      bodyLimitBytes: config.bodyLimitBytes,
      run: (header, live) => {
        const prepared = prepare(header)
        if (prepared.job.judge) throw new RequestError(400, 'RUNNER_ERR_INVALID_FIELD', 'a judge job is not interactive')
        return run(prepared, [], live).then((result) => ({ result, shape: shapeOf(prepared.job) }))
      }
    })
    interactive = job
    void job.done.finally(() => {
      busy = false
      interactive = undefined
    })
  })
  // The proxy keeps one connection per runner open for the runner's whole life.
  server.keepAliveTimeout = 0
  server.headersTimeout = 0
  server.requestTimeout = 0
  return { server, busy: () => busy, close: () => launcher.close() }
}
