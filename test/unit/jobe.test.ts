import { FileCache } from '../../proxy/src/api/jobe/file-cache'
import { jobeLanguage, JOBE_LANGUAGES, runCommand } from '../../proxy/src/api/jobe/languages'
import { clean, jobeResult, OUTCOME } from '../../proxy/src/api/jobe/result'
import { JobeError, paramsOf, readRunSpec } from '../../proxy/src/api/jobe/run-spec'
import { jobeInput, runLimits } from '../../proxy/src/api/jobe/task'
import { parseConfig } from '../../proxy/src/config'
import type { ExecutionAnswer } from '../../proxy/src/execution'
import { findLanguage } from '../../runner/src/contract/languages'

// Issue 17: Jobe's run_spec, parameters, commands, limits and outcomes mapped to ours, as pure functions.
const config = parseConfig({})
const refusal = (body: unknown): [number, string] | 'accepted' => {
  try {
    readRunSpec(body, 15)
    return 'accepted'
  } catch (err) {
    if (err instanceof JobeError) return [err.statusCode, err.message]
    throw err
  }
}
const spec = (fields: object) => ({ run_spec: { language_id: 'c', sourcecode: 'int main(){}', ...fields } })

describe('Jobe', () => {
  test("every refusal in Jobe's words (RunSpecifier.php)", () => {
    expect(refusal('text')).toEqual([400, 'Non-JSON post data received'])
    expect(refusal({ runspec: {} })).toEqual([400, 'No run_spec attribute found in post data'])
    expect(refusal({ run_spec: { language_id: 'c' } })).toEqual([400, "run_spec is missing the required attribute 'sourcecode'"])
    expect(refusal({ run_spec: { sourcecode: 'x' } })).toEqual([400, "run_spec is missing the required attribute 'language_id'"])
    expect(refusal(spec({ language_id: 'cobol' }))).toEqual([400, "Language 'cobol' is not known"])
    expect(refusal(spec({ language_id: 'C' }))).toBe('accepted')
    expect(refusal(spec({ parameters: { cputime: 16 } }))).toEqual([400, 'cputime exceeds maximum allowed on this Jobe server (15 secs)'])
    expect(refusal(spec({ parameters: { cputime: 15 } }))).toBe('accepted')
    for (const name of ['../x.c', '.hidden.c', 'a b;c.c', 'x$y.c']) {
      expect(refusal(spec({ sourcefilename: name }))).toEqual([400, 'The sourcefilename for the run_spec is illegal'])
    }
    expect(refusal(spec({ file_list: [['short', 'a.txt']] }))).toEqual([400, 'Invalid file specifier: Array\n(\n    [0] => short\n    [1] => a.txt\n)\n'])
    expect(refusal(spec({ file_list: [['longenough1', 'bad/name']] }))[1]).toMatch(/^Invalid file specifier/)
    expect(readRunSpec(spec({ language_id: 'java', sourcefilename: 'prog.java', sourcecode: 'public class A { public static void main(String[] a) {} }' }), 15)
      .sourcefilename).toBe('A.java')
  })

  test("parameters as getParam reads them: the run_spec's, the language's, Jobe's; a non-number is the default", () => {
    const c = jobeLanguage('c')!
    expect(paramsOf(c, {})).toMatchObject({ cputime: 5, memorylimit: 400, numprocs: 30, streamsize: 2, compileargs: ['-Wall', '-Werror', '-std=c99', '-x c'] })
    expect(paramsOf(c, { cputime: '3; rm -rf /', memorylimit: '100', runargs: ['a'] })).toMatchObject({ cputime: 5, memorylimit: 100, runargs: ['a'] })
    expect(() => paramsOf(c, { compileargs: '-O2' })).toThrow(JobeError)
    expect(paramsOf(jobeLanguage('java')!, { memorylimit: 100, numprocs: 10 })).toMatchObject({ memorylimit: 0, numprocs: 256 })
    expect(paramsOf(jobeLanguage('python3')!, {})).toMatchObject({ memorylimit: 1000, interpreterargs: ['-BE'] })
  })

  test("each language's command lines are Jobe's, and each runs on one of ours", () => {
    const commands = Object.fromEntries(JOBE_LANGUAGES.map((language) => {
      const params = paramsOf(language, {})
      const source = language.defaultFileName('public class Main { public static void main(String[] args) {} }')!
      return [language.id, [language.compile?.(source, params) ?? null, runCommand(language, source, params)]]
    }))
    expect(commands).toEqual({
      c: ['gcc -Wall -Werror -std=c99 -x c -o prog.c.exe prog.c ', './prog.c.exe'],
      cpp: ['g++ -Wall -Werror -o prog.cpp.exe prog.cpp ', './prog.cpp.exe'],
      python3: ['python3 -m py_compile prog.py', 'python3 -BE prog.py'],
      java: ['javac  Main.java', 'java -Xrs -Xss8m -Xmx200m Main'],
      nodejs: [null, 'nodejs --use_strict prog.js'],
      php: ['php -l prog.php', 'php --no-php-ini prog.php'],
      pascal: ['fpc -vew -Se -Feprog.pas.err -oprog.pas.exe prog.pas >/dev/null 2>&1; [ -f prog.pas.exe ] || { cat prog.pas.err >&2; exit 1; }', './prog.pas.exe'],
      octave: [null, 'octave --norc --no-window-system --silent -H prog.m']
    })
    expect(jobeLanguage('octave')!.filterStderr!('error: x\r\nerror: ignoring octave_execution_exception\n\n')).toBe('error: x\n')
    for (const language of JOBE_LANGUAGES) expect(findLanguage(language.language)).toBeDefined()
    expect(runCommand(jobeLanguage('python3')!, 't.py', paramsOf(jobeLanguage('python3')!, { interpreterargs: ['-c "print(1)"'], runargs: ['x'] })))
      .toBe('python3 -c "print(1)" t.py x')
  })

  test('limits: cputime as CPU seconds and twice that wall clock, memorylimit as the address space, each under our maximum', () => {
    const c = jobeLanguage('c')!
    expect(runLimits(paramsOf(c, {}), config)).toEqual({
      limits: {
        cpuTimeMs: 5000, timeoutMs: 10000, memoryBytes: 409600000, processes: 31, outputBytes: 2 * 1000 * 1024, fileSizeBytes: 20 * 1000 * 1024
      },
      addressSpaceBytes: 400 * 1000 * 1024
    })
    const big = runLimits(paramsOf(c, { cputime: 12, memorylimit: 200000, numprocs: 1000, streamsize: 100, disklimit: -1 }), config)
    expect(big).toEqual({
      limits: { cpuTimeMs: 12000, timeoutMs: 15000, memoryBytes: 1073741824, processes: 256, outputBytes: 16777216, fileSizeBytes: 67108864 },
      addressSpaceBytes: 200000 * 1000 * 1024
    })
    expect(runLimits(paramsOf(jobeLanguage('java')!, {}), config).addressSpaceBytes).toBeUndefined()
  })

  test("a run's job: Jobe's commands through sh -c, its files from the cache, output as bytes", () => {
    const files = new FileCache(1024 * 1024)
    files.put('abcdefgh1', Buffer.from('data'))
    const run = readRunSpec(spec({ sourcefilename: 'my.c', input: 'in', file_list: [['abcdefgh1', 'data.txt']] }), 15)
    const input = jobeInput(run, files, config, {})
    expect(input).toMatchObject({
      entryName: 'my.c', code: 'int main(){}', stdin: 'in', outputBase64: true, addressSpaceBytes: 409600000,
      commands: { compile: ['sh', '-c', 'gcc -Wall -Werror -std=c99 -x c -o my.c.exe my.c '], run: ['sh', '-c', './my.c.exe'] }
    })
    expect(input.files).toEqual([{ name: 'data.txt', content: Buffer.from('data').toString('base64'), encoding: 'base64' }])
    const missing = readRunSpec(spec({ file_list: [['nosuchfile1', 'x']] }), 15)
    expect(() => jobeInput(missing, files, config, {})).toThrow(new JobeError(404, 'One or more of the specified files is missing/unavailable'))
  })

  test("output that is not UTF-8 escaped as ResultObject's clean does; UTF-8 kept", () => {
    expect(clean(Buffer.from('Un rôle délétère\n'))).toBe('Un rôle délétère\n')
    expect(clean(Buffer.from('Hello world\n\x01\x06\xc0\xc9\n', 'latin1'))).toBe('Hello world\n\\x01\\x06\\xc0\\xc9\n')
    expect(clean(Buffer.from([0x09, 0x0d, 0x7f, 0xff]))).toBe('\t\r\\x7f\\xff')
  })

  test("outcomes as Jobe diagnoses them: compile by stderr, the run by its time, memory, signal, then stderr", () => {
    const stage = (extra: object) => ({ stdout: '', stderr: '', exitCode: 0, signal: null, wallMs: 1, cpuMs: 1, memoryBytes: 1, truncated: null, status: 'ok', ...extra })
    const b64 = (text: string) => Buffer.from(text).toString('base64')
    const answer = (compile: object | null, run: object | null, extra: object = {}): ExecutionAnswer => ({
      language: 'c', version: '12', status: 'ok', compile: compile as any, run: run as any, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 }, ...extra
    })
    const c = jobeLanguage('c')!
    const outcome = (a: ExecutionAnswer, language = c) => jobeResult(a, language)
    expect(outcome(answer(stage({}), stage({ stdout: b64('hi\n'), encoding: 'base64' })))).toEqual({ run_id: null, outcome: 15, cmpinfo: '', stdout: 'hi\n', stderr: '' })
    // A warning alone, the compiler's exit 0: Jobe calls any cmpinfo a compile error.
    expect(outcome(answer(stage({ stderr: 'warning: x' }), stage({})))).toMatchObject({ outcome: 11, cmpinfo: 'warning: x', stdout: '' })
    expect(outcome(answer(stage({ status: 'compile_error', exitCode: 1, stderr: 'error' }), null, { status: 'compile_error' })).outcome).toBe(OUTCOME.compilationError)
    expect(outcome(answer(stage({ status: 'timeout' }), null, { status: 'timeout' }))).toMatchObject({ outcome: 11, cmpinfo: 'Compilation failed: time limit exceeded' })
    expect(outcome(answer(stage({}), stage({ status: 'timeout', stderr: 'x' })))).toMatchObject({ outcome: 13, stderr: '' })
    expect(outcome(answer(stage({}), stage({ status: 'output_limit', stdout: 'HelloHello' })))).toMatchObject({ outcome: 13, stdout: 'HelloHello' })
    expect(outcome(answer(stage({}), stage({ status: 'memory_limit', signal: 'SIGKILL' }))).outcome).toBe(OUTCOME.memoryLimit)
    expect(outcome(answer(stage({}), stage({ status: 'runtime_error', signal: 'SIGSEGV', exitCode: null }))).outcome).toBe(OUTCOME.runtimeError)
    expect(outcome(answer(stage({}), stage({ stderr: 'oops' }))).outcome).toBe(OUTCOME.runtimeError)
    // Jobe does not look at the exit status: a quiet non-zero exit is a success.
    expect(outcome(answer(stage({}), stage({ status: 'runtime_error', exitCode: 3 }))).outcome).toBe(OUTCOME.success)
    expect(outcome(answer(null, null, { status: 'internal_error', message: 'boom' }))).toMatchObject({ outcome: 20, stderr: 'boom' })
    expect(outcome(answer(stage({}), stage({ stderr: 'at X\n\tat Y' })), jobeLanguage('java')!).stderr).toBe('at X\n        at Y')
  })

  test('the file cache keeps the most recently used files within its bytes', () => {
    const files = new FileCache(10)
    expect(files.put('a', Buffer.alloc(4))).toBe(true)
    expect(files.put('b', Buffer.alloc(4))).toBe(true)
    files.get('a')
    expect(files.put('c', Buffer.alloc(4))).toBe(true)
    expect([files.has('a'), files.has('b'), files.has('c')]).toEqual([true, false, true])
    expect(files.put('huge', Buffer.alloc(11))).toBe(false)
    files.put('a', Buffer.alloc(6))
    expect([files.has('a'), files.has('c')]).toEqual([true, true])
  })
})
