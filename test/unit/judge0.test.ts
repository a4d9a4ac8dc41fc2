import { JUDGE0_LANGUAGES } from '../../proxy/src/api/judge0/languages'
import { statusOf } from '../../proxy/src/api/judge0/statuses'
import {
  compilerArgs, encode64, jobRequestOf, judge0Request, Judge0ValidationError, judge0View, requestedFields, shellWords, DEFAULT_FIELDS
} from '../../proxy/src/api/judge0/submission'
import { configInfo } from '../../proxy/src/api/judge0/info'
import { Judge0Records } from '../../proxy/src/api/judge0/records'
import { judge0Outcome, repeatedRuns, runsProblem } from '../../proxy/src/api/judge0/runs'
import { unzip, ZipError } from '../../proxy/src/api/judge0/zip'
import { jobInput } from '../../proxy/src/job-input'
import type { JudgeAnswer } from '../../proxy/src/judge-answer'
import { makeZip } from '../helpers/zip'
import type { TestReport } from '../../runner/src/contract/job'
import { parseConfig } from '../../proxy/src/config'
import type { ExecutionAnswer } from '../../proxy/src/execution'
import { findLanguage } from '../../runner/src/contract/languages'

// Issue 16's first slice: Judge0's fields, limits and statuses mapped to ours, as pure functions.
const config = parseConfig({})
const run = (extra: object) => ({ stdout: '', stderr: '', exitCode: 0, signal: null, wallMs: 1, cpuMs: 1, memoryBytes: 1024, truncated: null, status: 'ok', ...extra })
const answer = (extra: Partial<ExecutionAnswer>): ExecutionAnswer => ({
  language: 'c', version: '12', status: 'ok', compile: null, run: run({}) as any, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 }, ...extra
})

describe('Judge0', () => {
  test('every id the issue names is one of our languages, listed once per language', () => {
    const ids = {
      python: 71, javascript: 63, c: 50, cpp: 54, java: 62, rust: 73, go: 60, csharp: 51, haskell: 61, ocaml: 65, fortran: 59, d: 56,
      r: 80, erlang: 58, sqlite3: 82, ruby: 72, php: 68, lua: 64, perl: 85, bash: 46, typescript: 74, kotlin: 78, pascal: 67
    }
    for (const [language, id] of Object.entries(ids)) {
      expect(JUDGE0_LANGUAGES.find((entry) => entry.listed && entry.language === language)?.id).toBe(id)
    }
    for (const entry of JUDGE0_LANGUAGES) expect(findLanguage(entry.language)).toBeDefined()
    expect(JUDGE0_LANGUAGES.filter((entry) => !entry.listed).map((entry) => entry.id)).toEqual([48, 49, 52, 53])
  })

  test('fields: none are the defaults, * is all, unknown ones are named', () => {
    expect(requestedFields(undefined)).toEqual({ fields: DEFAULT_FIELDS })
    expect(requestedFields('stdout,token')).toEqual({ fields: ['stdout', 'token'] })
    expect((requestedFields('*') as { fields: string[] }).fields).toHaveLength(35)
    expect(requestedFields('stdout,bogus')).toEqual({ invalid: ['bogus'] })
  })

  test("a request's defaults are Judge0's (config.rb), and its limits become ours", () => {
    const request = judge0Request({ source_code: 'x', language_id: '71', command_line_arguments: 'a "b c" \'d e\'' }, false, config)
    expect(request.numbers).toEqual({
      number_of_runs: 1, cpu_time_limit: 5, cpu_extra_time: 1, wall_time_limit: 10, memory_limit: 128000, stack_limit: 64000,
      max_processes_and_or_threads: 60, max_file_size: 1024
    })
    expect(jobRequestOf(request, config)).toEqual({
      language: 'python', code: 'x', stdin: '', args: ['a', 'b c', 'd e'], compileArgs: [], stderrToStdout: false,
      limits: {
        run: { cpuTimeMs: 5000, timeoutMs: 10000, memoryBytes: 128000 * 1024, processes: 60, fileSizeBytes: 1024 * 1024, outputBytes: 1024 * 1024 }
      }
    })
    expect(shellWords('  one\t"two \\" three" ')).toEqual(['one', 'two " three'])
    expect(() => judge0Request({ source_code: '!!!', language_id: 71 }, true, config)).toThrow(/source_code/)
  })

  test('statuses: signals told truly, memory as Judge0 would show it with the truth in the message', () => {
    expect(statusOf(answer({}), null)).toEqual({ id: 3, message: null })
    expect(statusOf(answer({ run: run({ stdout: 'a  \n\n' }) as any }), 'a')).toEqual({ id: 3, message: null })
    expect(statusOf(answer({ run: run({ stdout: 'b' }) as any }), 'a').id).toBe(4)
    expect(statusOf(answer({ run: run({ status: 'timeout' }) as any }), null).id).toBe(5)
    expect(statusOf(answer({ status: 'compile_error', run: null }), null).id).toBe(6)
    // A compile over its time or memory is a Compilation Error in Judge0 too, not an internal one.
    const compileStage = (status: string) => run({ status }) as any
    expect(statusOf(answer({ status: 'timeout', compile: compileStage('timeout'), run: null }), null).id).toBe(6)
    expect(statusOf(answer({ status: 'memory_limit', compile: compileStage('memory_limit'), run: null }), null).id).toBe(6)
    const request = judge0Request({ source_code: 'x', language_id: 54 }, false, config)
    const timedOut = { token: 't', request, createdAt: '', state: 'done' as const, outcome: { answer: answer({ status: 'timeout', compile: compileStage('timeout'), run: null }) } }
    expect(judge0View(timedOut, ['compile_output', 'status_id'], false, {})).toEqual({ compile_output: 'Compilation time limit exceeded.', status_id: 6 })
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGSEGV', exitCode: null }) as any }), null)).toEqual({ id: 7, message: 'Caught fatal signal 11' })
    expect(statusOf(answer({ run: run({ status: 'output_limit', truncated: 'stdout' }) as any }), null).id).toBe(8)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGFPE', exitCode: null }) as any }), null).id).toBe(9)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGABRT', exitCode: null }) as any }), null).id).toBe(10)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGIOT', exitCode: null }) as any }), null).id).toBe(10)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', exitCode: 2 }) as any }), null)).toEqual({ id: 11, message: 'Exited with error status 2' })
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGKILL', exitCode: null }) as any }), null).id).toBe(12)
    expect(statusOf(answer({ run: run({ status: 'memory_limit' }) as any }), null)).toEqual({ id: 12, message: 'Memory limit exceeded' })
    expect(statusOf(answer({ status: 'internal_error', run: null, message: 'boom' }), null)).toEqual({ id: 13, message: 'boom' })
    // Cancelled through our API (Judge0 has no such status): never the killed run's signal, nor a compile error.
    const cancelled = { status: 'cancelled', message: 'cancelled by its maker' }
    expect(statusOf(answer({ ...cancelled, run: run({ status: 'runtime_error', signal: 'SIGKILL', exitCode: null }) as any }), null))
      .toEqual({ id: 13, message: 'cancelled by its maker' })
    expect(statusOf(answer({ ...cancelled, compile: compileStage('compile_error'), run: null }), null).id).toBe(13)
  })

  const errorsOf = (body: object, base64 = false): Record<string, string[]> => {
    try {
      judge0Request({ source_code: 'x', language_id: 50, ...body }, base64, config)
    } catch (err) {
      if (err instanceof Judge0ValidationError) return err.errors
      throw err
    }
    return {}
  }

  test("maxima are Judge0's or ours, whichever is lower; /config_info says them, every key Judge0 has", () => {
    expect(errorsOf({ wall_time_limit: 16 })).toEqual({ wall_time_limit: ['must be less than or equal to 15'] })
    expect(errorsOf({ number_of_runs: 21 })).toEqual({ number_of_runs: ['must be less than or equal to 20'] })
    expect(errorsOf({ memory_limit: 2047 })).toEqual({ memory_limit: ['must be greater than or equal to 2048'] })
    const info = configInfo(config)
    // config.rb's config_info, every key in its order.
    expect(Object.keys(info)).toEqual([
      'maintenance_mode', 'enable_wait_result', 'enable_compiler_options', 'allowed_languages_for_compile_options',
      'enable_command_line_arguments', 'enable_submission_delete', 'enable_callbacks', 'callbacks_max_tries', 'callbacks_timeout',
      'enable_additional_files', 'max_queue_size', 'cpu_time_limit', 'max_cpu_time_limit', 'cpu_extra_time', 'max_cpu_extra_time',
      'wall_time_limit', 'max_wall_time_limit', 'memory_limit', 'max_memory_limit', 'stack_limit', 'max_stack_limit',
      'max_processes_and_or_threads', 'max_max_processes_and_or_threads', 'enable_per_process_and_thread_time_limit',
      'allow_enable_per_process_and_thread_time_limit', 'enable_per_process_and_thread_memory_limit',
      'allow_enable_per_process_and_thread_memory_limit', 'max_file_size', 'max_max_file_size', 'number_of_runs', 'max_number_of_runs',
      'redirect_stderr_to_stdout', 'max_extract_size', 'enable_batched_submissions', 'max_submission_batch_size',
      'submission_cache_duration', 'use_docs_as_homepage', 'allow_enable_network', 'enable_network'
    ])
    expect(info).toMatchObject({
      max_wall_time_limit: 15, max_cpu_time_limit: 15, max_memory_limit: 512000, max_queue_size: 1000, max_extract_size: 4096
    })
    const small = parseConfig({
      limits: { max: { run: { timeoutMs: 4000, cpuTimeMs: 2000 } }, default: { run: { timeoutMs: 2000, cpuTimeMs: 2000 } } }
    })
    expect(configInfo(small)).toMatchObject({ wall_time_limit: 4, max_wall_time_limit: 4, cpu_time_limit: 2, max_cpu_time_limit: 2 })
  })

  test('compiler options: shell characters out, words split, compiled languages only; they go before the sources', () => {
    expect(compilerArgs(' -O0  -DNAME="a b" ;rm -rf $HOME|x ')).toEqual(['-O0', '-DNAME=a b', 'rm', '-rf', 'HOMEx'])
    expect(errorsOf({ language_id: 71, compiler_options: '-O' })).toEqual({ compiler_options: ['setting compiler options is only allowed for compiled languages'] })
    expect(errorsOf({ compiler_options: 'x'.repeat(513) })).toEqual({ compiler_options: ['is too long (maximum is 512 characters)'] })
    const request = judge0Request({ source_code: 'int main(){}', language_id: 50, compiler_options: '-O0 -Wall' }, false, config)
    const input = jobInput(jobRequestOf(request, config), config, {})
    expect(input.compileArgs).toEqual(['-O0', '-Wall'])
  })

  test('callback_url must be http(s); redirect_stderr_to_stdout reaches the job', () => {
    expect(errorsOf({ callback_url: 'file:///etc/passwd' })).toEqual({ callback_url: ['must be an http or https URL'] })
    expect(errorsOf({ callback_url: 'http://127.0.0.1:9/x' })).toEqual({})
    // Judge0's ENABLE_CALLBACKS=false, in its words; /config_info says so.
    const closed = parseConfig({ judge0: { callbacks: false } })
    expect(() => judge0Request({ source_code: 'x', language_id: 71, callback_url: 'http://127.0.0.1:9/x' }, false, closed))
      .toThrow(expect.objectContaining({ errors: { callback_url: ['setting callback is not allowed'] } }))
    expect(configInfo(closed).enable_callbacks).toBe(false)
    const request = judge0Request({ source_code: 'x', language_id: 71, redirect_stderr_to_stdout: true }, false, config)
    expect(jobInput(jobRequestOf(request, config), config, {}).stderrToStdout).toBe(true)
  })

  test('additional_files: a zip unpacked next to the source, which wins a clash as with unzip -n', () => {
    const zip = makeZip([
      { name: 'data.txt', data: 'hello\n', deflate: true }, { name: 'lib/', data: '' }, { name: 'lib/util.py', data: 'X = 1\n' },
      { name: 'main.py', data: 'print("from the zip")' }
    ])
    const request = judge0Request({ source_code: 'print(1)', language_id: 71, additional_files: zip.toString('base64') }, false, config)
    expect(request.additional_files!.files.map((file) => file.name)).toEqual(['data.txt', 'lib/util.py', 'main.py'])
    const input = jobInput(jobRequestOf(request, config), config, {})
    expect(input.code).toBe('print(1)')
    expect(input.files!.map((file) => [file.name, Buffer.from(file.content, 'base64').toString()])).toEqual([['data.txt', 'hello\n'], ['lib/util.py', 'X = 1\n']])
    expect(errorsOf({ additional_files: '%%%' })).toEqual({ additional_files: ['is not valid base64'] })
    expect(errorsOf({ additional_files: Buffer.from('not a zip at all, just words').toString('base64') })).toEqual({ additional_files: ['is not a zip archive'] })
    expect(errorsOf({ additional_files: makeZip([{ name: '../escape', data: 'x' }]).toString('base64') }).additional_files[0]).toMatch(/climbs out/)
  })

  test('unzip: stored and deflated read; a bomb stops at the limit whatever the entry claims; a bad checksum is refused', () => {
    expect(unzip(makeZip([{ name: 'a', data: 'abc' }, { name: 'b', data: 'b'.repeat(1000), deflate: true }]), 2000).map((e) => e.data.length)).toEqual([3, 1000])
    const bomb = makeZip([{ name: 'zeros', data: Buffer.alloc(50 * 1024 * 1024), deflate: true }])
    expect(bomb.length).toBeLessThan(100 * 1024)
    expect(() => unzip(bomb, 1024 * 1024)).toThrow(new ZipError('unpacks to more than 1048576 bytes'))
    expect(() => unzip(makeZip([{ name: 'a', data: 'x'.repeat(600) }, { name: 'b', data: 'y'.repeat(600) }]), 1000)).toThrow(/more than 1000/)
    const broken = makeZip([{ name: 'a', data: 'abc' }])
    broken[30 + 1] = 'X'.charCodeAt(0)
    expect(() => unzip(broken, 100)).toThrow(/checksum/)
  })

  test("base64 as Judge0's Ruby writes it: lines of 60, each ended by a newline (its docs' example)", () => {
    expect(encode64('hello, Judge0\n')).toBe('aGVsbG8sIEp1ZGdlMAo=\n')
    expect(encode64('x'.repeat(50))).toBe(`${'eHh4'.repeat(15)}\n${'eHh4'.repeat(1)}eHg=\n`)
    expect(encode64('')).toBe('')
  })

  test('number_of_runs: a judge job of that many runs, compiled once, folded into the last run, time and memory averaged', () => {
    const request = judge0Request({ source_code: 'x', language_id: 71, stdin: 'in', number_of_runs: 3 }, false, config)
    const input = repeatedRuns(jobInput(jobRequestOf(request, config), config, {}), 3, null)
    expect(input.judge).toMatchObject({ stopOnFirstFailure: true, tests: [{ name: '1', stdin: 'in' }, { name: '2' }, { name: '3' }] })
    expect(input.judge!.tests[0].expectedOutput).toBeUndefined()
    expect(input.judge!.outputBytesPerTest * 3).toBeLessThanOrEqual(input.limits.run.outputBytes)
    const one = repeatedRuns(jobInput(jobRequestOf(request, config), config, {}), 1, null)
    expect(one.judge).toBeUndefined()
    const report = (extra: Partial<TestReport>): TestReport => ({
      name: '1', verdict: 'accepted', exitCode: 0, signal: null, cpuMs: 10, wallMs: 20, memoryBytes: 1000, stdout: 'out', stderr: '', outputCut: false, checker: null, ...extra
    })
    const judged = (tests: TestReport[]): JudgeAnswer => ({
      language: 'python', version: '3', verdict: 'accepted', compile: null, tests, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 },
      summary: { passed: 0, total: tests.length, maxCpuMs: 0, maxWallMs: 0, maxMemoryBytes: 0, compiles: 0 }
    })
    const folded = judge0Outcome(judged([report({ cpuMs: 10, memoryBytes: 1000 }), report({ cpuMs: 30, memoryBytes: 3000, wallMs: 99, stdout: 'last' })]))
    expect(folded.accepted).toBe(true)
    expect(folded.answer.run).toMatchObject({ cpuMs: 20, memoryBytes: 2000, wallMs: 99, stdout: 'last', status: 'ok' })
    const wrong = judge0Outcome(judged([report({}), report({ verdict: 'wrong_answer' }), report({ verdict: 'skipped' })]))
    expect(wrong.accepted).toBe(false)
    expect(statusOf(wrong.answer, 'expected', wrong.accepted).id).toBe(4)
    const crashed = judge0Outcome(judged([report({ verdict: 'runtime_error', signal: 'SIGSEGV', exitCode: null }), report({ verdict: 'skipped' })]))
    expect(statusOf(crashed.answer, null, crashed.accepted).id).toBe(7)
    // Cancelled after a first run that passed: not Accepted, Judge0's Internal Error with why.
    const stopped = judge0Outcome({ ...judged([report({}), report({ verdict: 'skipped' })]), verdict: 'cancelled', message: 'cancelled by its maker' })
    expect(statusOf(stopped.answer, null, stopped.accepted)).toEqual({ id: 13, message: 'cancelled by its maker' })
    expect(runsProblem(20, 'x'.repeat(300 * 1024), null, config)).toBe('must be at most 13 with this stdin and expected_output (judge.maxTotalInputBytes)')
    expect(runsProblem(1, 'x'.repeat(300 * 1024), null, config)).toBeNull()
  })

  test("the requests kept for Judge0's views are bounded in bytes, the oldest going first; unpacked files are not kept", () => {
    const kept = (token: string, source: string, zip?: Buffer) => ({
      token,
      createdAt: '',
      request: {
        ...judge0Request({ source_code: source, language_id: 71 }, false, config),
        ...(zip ? { additional_files: { zip, files: [{ name: 'a', data: Buffer.alloc(1000) }] } } : {})
      }
    })
    const records = new Judge0Records(100, 10000, () => true)
    records.add(kept('a', 'x'.repeat(1000)))
    records.add(kept('b', 'y'.repeat(1000), Buffer.alloc(3000)))
    expect(records.get('b')!.request.additional_files).toEqual({ zip: Buffer.alloc(3000), files: [] })
    expect([records.get('a'), records.get('b')].every(Boolean)).toBe(true)
    records.add(kept('c', 'z'.repeat(1000)))
    expect([records.get('a'), records.get('b'), records.get('c')].map(Boolean)).toEqual([false, true, true])
    expect(records.heldBytes).toBeLessThanOrEqual(10000)
    const forgetful = new Judge0Records(100, 10000, (token) => token !== 'gone')
    forgetful.add(kept('gone', 'x'))
    forgetful.add(kept('here', 'x'))
    expect(forgetful.newestFirst().map((record) => record.token)).toEqual(['here'])
  })
})
