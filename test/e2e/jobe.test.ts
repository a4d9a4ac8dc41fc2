import { parseConfig } from '../../proxy/src/config'
import { call, listenAndFill, realApp, waitFor } from '../helpers/docker'
import examples from '../fixtures/jobe/readme-examples.json'

// Issue 17: Jobe's REST API, as Moodle's CodeRunner calls it, on real containers: every language's
// outcomes, its four kinds of extra arguments, files, Jobe's refusals, and outcome 21 when no runner frees.
jest.setTimeout(300000)

const { app, pool } = realApp(parseConfig({ poolName: 'e2e-jobe', pool: { min: 2, max: 2 } }))
let base = ''
beforeAll(async () => { base = await listenAndFill(app, pool, 2) })
afterAll(async () => { await app.close() })

const RESTAPI = '/jobe/index.php/restapi'

/** A run, as CodeRunner posts it; the answer (a Jobe error's JSON string prefixed by its status). */
async function run (runSpec: object, path = `${RESTAPI}/runs/`): Promise<any> {
  const reply = await call(base, { url: path, payload: { run_spec: runSpec } })
  const body = reply.json()
  return typeof body === 'string' ? `${reply.statusCode}: ${body}` : body
}

/** Each language's programs: stdin echoed, a compile error, a runtime error, a loop, an allocation past memorylimit, args printed. */
interface Programs {
  ok: string
  compileError: string
  runtimeError: string
  loop: string
  /** Allocates 600 MB; `refused` is how the language answers when it cannot (it prints "refused"). */
  allocate: string
  refused?: { outcome: number, stdout: RegExp, memorylimit?: number }
  printArgs: string
}

const PROGRAMS: Record<string, Programs> = {
  c: {
    ok: '#include <stdio.h>\nint main(void) { char s[64]; if (fgets(s, 64, stdin)) printf("got %s", s); return 0; }',
    compileError: 'int main(void) { return x; }',
    runtimeError: '#include <stdio.h>\nint main(void) { int *p = 0; printf("%d", *p); return 0; }',
    loop: 'int main(void) { for (;;) {} }',
    allocate: '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { puts(malloc(600000000) ? "allocated" : "refused"); return 0; }',
    printArgs: '#include <stdio.h>\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) puts(argv[i]); return 0; }'
  },
  cpp: {
    ok: '#include <iostream>\n#include <string>\nint main() { std::string s; std::getline(std::cin, s); std::cout << "got " << s << "\\n"; }',
    compileError: 'int main() { return x; }',
    runtimeError: '#include <stdexcept>\nint main() { throw std::runtime_error("boom"); }',
    loop: 'int main() { for (;;) {} }',
    allocate: '#include <cstdio>\n#include <cstdlib>\nint main() { std::puts(std::malloc(600000000) ? "allocated" : "refused"); }',
    printArgs: '#include <cstdio>\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) std::puts(argv[i]); }'
  },
  python3: {
    ok: 'print("got", input())',
    compileError: 'print("unclosed"',
    runtimeError: 'print([1][2])',
    loop: 'while True: pass',
    allocate: 'try:\n    b = bytearray(600 * 1000 * 1000)\n    print("allocated")\nexcept MemoryError:\n    print("refused")',
    printArgs: 'import sys\nfor a in sys.argv[1:]: print(a)'
  },
  java: {
    ok: 'public class Echo { public static void main(String[] a) { System.out.println("got " + new java.util.Scanner(System.in).nextLine()); } }',
    compileError: 'public class Bad { public static void main(String[] a) { int x = "s"; } }',
    runtimeError: 'public class Crash { public static void main(String[] a) { int[] x = new int[1]; x[2] = 1; } }',
    loop: 'public class Loop { public static void main(String[] a) { while (true) {} } }',
    allocate: 'public class Big { public static void main(String[] a) { try { byte[] b = new byte[600000000]; System.out.println("allocated " + b.length); } ' +
      'catch (OutOfMemoryError e) { System.out.println("refused"); } } }',
    printArgs: 'public class Args { public static void main(String[] a) { for (String s : a) System.out.println(s); } }'
  },
  nodejs: {
    ok: 'const line = require("fs").readFileSync(0, "utf8").split("\\n")[0]; console.log("got " + line)',
    compileError: 'console.log("unclosed)',
    runtimeError: 'null.x()',
    loop: 'for (;;) {}',
    // Node's V8 reserves more address space than 200 MB to start: under 2000 MB it runs, and 3 GB is refused.
    allocate: 'try { const b = Buffer.alloc(3000000000); console.log("allocated") } catch (e) { console.log("refused") }',
    refused: { outcome: 15, stdout: /^refused$/, memorylimit: 2000 },
    printArgs: 'for (const a of process.argv.slice(2)) console.log(a)'
  },
  php: {
    ok: '<?php echo "got " . fgets(STDIN);',
    compileError: '<?php echo "unclosed',
    runtimeError: '<?php fwrite(STDERR, "failing\\n"); exit(1);',
    loop: '<?php while (true) {}',
    // PHP cannot catch it: its fatal error goes to stdout and stderr, which Jobe calls a runtime error.
    allocate: '<?php ini_set("memory_limit", "-1"); $s = str_repeat("x", 600000000); echo "allocated";',
    refused: { outcome: 12, stdout: /Fatal error: Out of memory/ },
    printArgs: '<?php foreach (array_slice($argv, 1) as $a) echo $a . "\\n";'
  },
  octave: {
    ok: 'printf("got %s\\n", input("", "s"));',
    compileError: 's = "unclosed;',
    runtimeError: 'error("failing");',
    loop: 'while true\nend',
    // Octave, like Node, reserves more than 200 MB to start.
    allocate: 'try\n  x = zeros(40000);\n  disp("allocated");\ncatch\n  disp("refused");\nend',
    refused: { outcome: 15, stdout: /^refused$/, memorylimit: 2000 },
    printArgs: 'args = argv();\nfor i = 1:numel(args)\n  disp(args{i});\nend'
  },
  pascal: {
    ok: 'var s: string; begin readln(s); writeln(\'got \', s); end.',
    compileError: 'begin writeln(x); end.',
    runtimeError: 'var a: array[1..2] of integer; i: integer; begin i := 3; {$R+} a[i] := 1; end.',
    loop: 'begin while true do ; end.',
    allocate: 'var p: pointer; begin ReturnNilIfGrowHeapFails := true; getmem(p, 600000000); if p = nil then writeln(\'refused\') else writeln(\'allocated\'); end.',
    printArgs: 'var i: integer; begin for i := 1 to ParamCount do writeln(ParamStr(i)); end.'
  }
}

describe.each(Object.keys(PROGRAMS))('%s', (language) => {
  const programs = PROGRAMS[language]
  test('ok with stdin, a compile error, a runtime error, a time limit, and an allocation past memorylimit refused', async () => {
    const ok = await run({ language_id: language, sourcecode: programs.ok, input: 'line one\nline two\n' })
    expect(ok).toEqual({ run_id: null, outcome: 15, cmpinfo: '', stdout: 'got line one\n', stderr: '' })
    const compiled = await run({ language_id: language, sourcecode: programs.compileError })
    // Node and Octave have no compile in Jobe: a syntax error is the run's.
    const interpreted = language === 'nodejs' || language === 'octave'
    expect(compiled.outcome).toBe(interpreted ? 12 : 11)
    expect(interpreted ? compiled.stderr : compiled.cmpinfo).not.toBe('')
    const crashed = await run({ language_id: language, sourcecode: programs.runtimeError })
    expect(crashed.outcome).toBe(12)
    const looped = await run({ language_id: language, sourcecode: programs.loop, parameters: { cputime: 1 } })
    expect(looped.outcome).toBe(13)
    const refused = programs.refused ?? { outcome: 15, stdout: /^refused$/ }
    const allocated = await run({ language_id: language, sourcecode: programs.allocate, parameters: { memorylimit: refused.memorylimit ?? 200 } })
    expect([allocated.outcome, allocated.stdout.trim()]).toEqual([refused.outcome, expect.stringMatching(refused.stdout)])
  })
})

test('the four kinds of extra arguments reach the compiler, the linker, the interpreter and the program', async () => {
  const { printArgs } = PROGRAMS.c
  expect((await run({ language_id: 'c', sourcecode: printArgs, parameters: { runargs: ['one', 'two words'] } })).stdout).toBe('one\ntwo\nwords\n')
  const defined = '#include <stdio.h>\nint main(void) { printf("%d\\n", VALUE); return 0; }'
  expect((await run({ language_id: 'c', sourcecode: defined, parameters: { compileargs: ['-DVALUE=42'] } })).stdout).toBe('42\n')
  // compileargs replace the language's: without -Werror a warning still is cmpinfo, which Jobe calls a compile error.
  expect((await run({ language_id: 'c', sourcecode: 'int main(void) { int unused; return 0; }', parameters: { compileargs: ['-Wall'] } })).outcome).toBe(11)
  const maths = '#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v) { printf("%.0f\\n", cos(atof(v[0]) * 0)); return 0; }'
  expect((await run({ language_id: 'c', sourcecode: maths, parameters: { compileargs: ['-std=c99'], linkargs: ['-lm'] } })).stdout).toBe('1\n')
  expect((await run({ language_id: 'cpp', sourcecode: PROGRAMS.cpp.printArgs, parameters: { linkargs: ['-lm'], runargs: ['a'] } })).stdout).toBe('a\n')
  const python = await run({ language_id: 'python3', sourcecode: '', parameters: { interpreterargs: ['-c "print(\\"Blah\\")"'] } })
  expect(python.stdout).toBe('Blah\n')
  const java = await run({ language_id: 'java', sourcecode: 'public class P { public static void main(String[] a) { System.out.println(System.getProperty("k")); } }',
    parameters: { interpreterargs: ['-Dk=v'] } })
  expect(java.stdout).toBe('v\n')
  // interpreterargs go before the file, through the shell: node evaluates this and leaves the file as an argument.
  expect((await run({ language_id: 'nodejs', sourcecode: 'console.log("file")', parameters: { interpreterargs: ['-p "6 * 7"'] } })).stdout).toBe('42\n')
  expect((await run({ language_id: 'php', sourcecode: '<?php echo ini_get("precision");', parameters: { interpreterargs: ['-d precision=7'] } })).stdout).toBe('7')
  expect((await run({ language_id: 'pascal', sourcecode: PROGRAMS.pascal.printArgs, parameters: { runargs: ['x'], compileargs: ['-O1'] } })).stdout).toBe('x\n')
})

test('memory past the cgroup, with no address space limit (Java), is outcome 17', async () => {
  const hog = 'public class Hog { public static void main(String[] a) { java.util.List<byte[]> l = new java.util.ArrayList<>(); ' +
    'for (int i = 0; i < 1000; i++) { byte[] b = new byte[10000000]; java.util.Arrays.fill(b, (byte) 1); l.add(b); } System.out.println(l.size()); } }'
  const answer = await run({ language_id: 'java', sourcecode: hog, parameters: { interpreterargs: ['-Xmx4g'], cputime: 5 } })
  expect(answer.outcome).toBe(17)
})

test('sourcefilename is honoured, and Java takes its class from the source', async () => {
  const name = '#include <stdio.h>\nint main(int c, char **v) { puts(v[0]); return 0; }'
  expect((await run({ language_id: 'c', sourcecode: name, sourcefilename: 'mine.c' })).stdout).toBe('./mine.c.exe\n')
  expect((await run({ language_id: 'c', sourcecode: name })).stdout).toBe('./prog.c.exe\n')
  // CodeRunner names every other language's source __tester__.<language_id> (its jobesandbox.php).
  for (const [language, code] of [['python3', 'print("tested")'], ['nodejs', 'console.log("tested")'], ['c', '#include <stdio.h>\nint main(void) { puts("tested"); return 0; }']]) {
    expect(await run({ language_id: language, sourcecode: code, sourcefilename: `__tester__.${language}` })).toMatchObject({ outcome: 15, stdout: 'tested\n' })
  }
  const java = 'class Helper {}\npublic class Greeter { public static void main(String[] a) { System.out.println("hi"); } }'
  expect((await run({ language_id: 'java', sourcecode: java })).stdout).toBe('hi\n')
  // CodeRunner sends prog.java when it knows no better: Jobe ignores that name.
  expect((await run({ language_id: 'java', sourcecode: java, sourcefilename: 'prog.java' })).stdout).toBe('hi\n')
  const noMain = await run({ language_id: 'java', sourcecode: 'public class Lib { }' })
  expect([noMain.outcome, noMain.cmpinfo]).toEqual([11, expect.stringContaining("WARNING: can't determine main class")])
})

test('files: PUT, HEAD before and after, used by a run, and a run naming an unknown one', async () => {
  const head = async (id: string) => (await call(base, { method: 'HEAD', url: `${RESTAPI}/files/${id}` })).statusCode
  expect(await head('datafile0001')).toBe(404)
  const put = await call(base, { method: 'PUT', url: `${RESTAPI}/files/datafile0001`, payload: { file_contents: Buffer.from('from a file\n').toString('base64') } })
  expect([put.statusCode, put.text]).toEqual([204, ''])
  expect(await head('datafile0001')).toBe(204)
  expect((await call(base, { method: 'HEAD', url: `/restapi/files/datafile0001` })).statusCode).toBe(204)
  const used = await run({ language_id: 'python3', sourcecode: 'print(open("data.txt").read(), end="")', file_list: [['datafile0001', 'data.txt']] })
  expect(used.stdout).toBe('from a file\n')
  expect(await head('datafile0001')).toBe(204)
  const unknown = await run({ language_id: 'python3', sourcecode: 'print(1)', file_list: [['nosuchfile01', 'x.txt']] })
  expect(unknown).toBe('404: One or more of the specified files is missing/unavailable')
  const noContents = await call(base, { method: 'PUT', url: `${RESTAPI}/files/abcdefgh99`, payload: {} })
  expect([noContents.statusCode, noContents.json()]).toEqual([400, 'put: missing file_contents parameter'])
  const notBase64 = await call(base, { method: 'PUT', url: `${RESTAPI}/files/abcdefgh99`, payload: { file_contents: '%%%' } })
  expect([notBase64.statusCode, notBase64.json()]).toEqual([400, 'put: contents of file abcdefgh99 are not valid base-64'])
})

test("every 400 in Jobe's words, a JSON string; both paths; the README's example as its fixture", async () => {
  expect(await run({ language_id: 'cobol', sourcecode: 'x' })).toBe("400: Language 'cobol' is not known")
  expect(await run({ sourcecode: 'x' })).toBe("400: run_spec is missing the required attribute 'language_id'")
  expect(await run({ language_id: 'c' })).toBe("400: run_spec is missing the required attribute 'sourcecode'")
  expect(await run({ language_id: 'c', sourcecode: 'x', parameters: { cputime: 151 } })).toBe('400: cputime exceeds maximum allowed on this Jobe server (15 secs)')
  expect(await run({ language_id: 'c', sourcecode: 'x', sourcefilename: '../x.c' })).toBe('400: The sourcefilename for the run_spec is illegal')
  expect(await run({ language_id: 'c', sourcecode: 'x', file_list: [['id', 'x']] })).toMatch(/^400: Invalid file specifier/)
  const notJson = await call(base, { url: `${RESTAPI}/runs`, payload: '{"run_spec": ', headers: { 'content-type': 'application/json' } })
  expect([notJson.statusCode, notJson.json()]).toEqual([400, 'Non-JSON post data received'])
  const missing = await call(base, { url: '/restapi/runs', payload: { spec: {} } })
  expect([missing.statusCode, missing.json()]).toEqual([400, 'No run_spec attribute found in post data'])
  const languages = (await call(base, { url: `${RESTAPI}/languages` })).json()
  expect(languages.map((entry: string[]) => entry[0])).toEqual(['c', 'cpp', 'python3', 'java', 'nodejs', 'php', 'octave', 'pascal'])
  expect(languages[2]).toEqual(['python3', pool.versions.python])
  expect((await call(base, { url: '/restapi/languages/' })).json()).toEqual(languages)
  const { hello_c: example } = examples
  const readme = await call(base, { url: example.path, payload: example.body, headers: { 'content-type': example.contentType } })
  expect([readme.statusCode, readme.json()]).toEqual([200, example.answer])
})

test("output that is not UTF-8 is escaped as Jobe's ResultObject does", async () => {
  const answer = await run({ language_id: 'c', sourcecode: '#include <stdio.h>\nint main() {\n    printf("Hello world\\n\\01\\006\\300\\311\\n");\n}\n' })
  expect(answer.stdout).toBe('Hello world\n\\x01\\x06\\xc0\\xc9\n')
})

describe('a full pool, and API keys', () => {
  const KEY = 'jobe-key-0123456789abcdef'
  const busy = realApp(parseConfig({ poolName: 'e2e-jobe-busy', pool: { min: 1, max: 1, acquireTimeoutMs: 1500 }, auth: { keys: { [KEY]: 'moodle' } } }))
  let busyBase = ''
  beforeAll(async () => { busyBase = await listenAndFill(busy.app, busy.pool, 1) })
  afterAll(async () => { await busy.app.close() })
  const post = (runSpec: object, headers: Record<string, string> = { 'x-api-key': KEY }) =>
    call(busyBase, { url: '/restapi/runs', payload: { run_spec: runSpec }, headers })

  test('X-API-KEY is one of our keys when keys are configured', async () => {
    const missing = await post({ language_id: 'python3', sourcecode: 'print(1)' }, {})
    expect([missing.statusCode, missing.text]).toEqual([403, 'Missing API key'])
    const unknown = await post({ language_id: 'python3', sourcecode: 'print(1)' }, { 'x-api-key': 'not-a-key-0123456789' })
    expect([unknown.statusCode, unknown.text]).toEqual([403, 'Unknown API key'])
    expect((await post({ language_id: 'python3', sourcecode: 'print(1)' })).json().stdout).toBe('1\n')
  })

  test('when no runner frees within the wait, the answer is outcome 21 with a 200, and the held run still finishes', async () => {
    const held = post({ language_id: 'python3', sourcecode: 'import time\ntime.sleep(4)\nprint("held")', parameters: { cputime: 3 } })
    await waitFor('the runner taken', () => busy.pool.available === 0)
    const refused = await post({ language_id: 'python3', sourcecode: 'print(2)' })
    expect([refused.statusCode, refused.json()]).toEqual([200, { run_id: '0', outcome: 21, cmpinfo: '', stdout: '', stderr: '' }])
    expect((await held).json()).toMatchObject({ outcome: 15, stdout: 'held\n' })
    // Jobe's own test hook answers the same, without a runner.
    expect((await post({ language_id: 'python3', sourcecode: '!** TESTING OVERLOAD EXCEPTION **!' })).json().outcome).toBe(21)
  })
})
