import { JUDGE0_LANGUAGES } from '../../proxy/src/api/judge0/languages'
import { statusOf } from '../../proxy/src/api/judge0/statuses'
import { jobRequestOf, judge0Request, requestedFields, shellWords, DEFAULT_FIELDS } from '../../proxy/src/api/judge0/submission'
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
      language: 'python', code: 'x', stdin: '', args: ['a', 'b c', 'd e'],
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
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGSEGV', exitCode: null }) as any }), null)).toEqual({ id: 7, message: 'Caught fatal signal 11' })
    expect(statusOf(answer({ run: run({ status: 'output_limit', truncated: 'stdout' }) as any }), null).id).toBe(8)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGFPE', exitCode: null }) as any }), null).id).toBe(9)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGABRT', exitCode: null }) as any }), null).id).toBe(10)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGIOT', exitCode: null }) as any }), null).id).toBe(10)
    expect(statusOf(answer({ run: run({ status: 'runtime_error', exitCode: 2 }) as any }), null)).toEqual({ id: 11, message: 'Exited with error status 2' })
    expect(statusOf(answer({ run: run({ status: 'runtime_error', signal: 'SIGKILL', exitCode: null }) as any }), null).id).toBe(12)
    expect(statusOf(answer({ run: run({ status: 'memory_limit' }) as any }), null)).toEqual({ id: 12, message: 'Memory limit exceeded' })
    expect(statusOf(answer({ status: 'internal_error', run: null, message: 'boom' }), null)).toEqual({ id: 13, message: 'boom' })
  })
})
