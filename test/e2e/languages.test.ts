import { call, listenAndFill, realApp, testConfig } from '../helpers/docker'

// Every language of the table on real containers: hello world, stdin echoed (sqlite3 reads its program,
// not stdin, so it selects a constant), a runtime error; a compile error where the language compiles.
// Java finds its entry class by the public class the code declares. And the runtimes endpoint lists them
// with real versions.
jest.setTimeout(240000)
const { app, pool } = realApp(testConfig('e2e-languages', { min: 4, max: 4 }))
let base = ''

beforeAll(async () => { base = await listenAndFill(app, pool, 4) })
afterAll(async () => { await app.close() })

interface Case { hello: string, echo: string, crash: string, broken?: string }
const programs: Record<string, Case> = {
  python: { hello: 'print("Hello World!")', echo: 'print(input())', crash: 'raise SystemExit(3)' },
  javascript: { hello: 'console.log("Hello World!")', echo: 'process.stdin.on("data", (d) => process.stdout.write(d))', crash: 'process.exit(3)' },
  c: {
    hello: '#include <stdio.h>\nint main(){puts("Hello World!");}',
    echo: '#include <stdio.h>\nint main(){char b[64];fgets(b,64,stdin);fputs(b,stdout);}',
    crash: 'int main(){return 3;}',
    broken: 'int main() { return 0 }'
  },
  cpp: {
    hello: '#include <iostream>\nint main(){std::cout<<"Hello World!"<<std::endl;}',
    echo: '#include <iostream>\n#include <string>\nint main(){std::string s;std::getline(std::cin,s);std::cout<<s<<std::endl;}',
    crash: 'int main(){return 3;}',
    broken: 'int main() { undeclared(); }'
  },
  java: {
    hello: 'public class Main { public static void main(String[] args) { System.out.println("Hello World!"); } }',
    echo: 'import java.util.Scanner;\npublic class Echo { public static void main(String[] args) { System.out.println(new Scanner(System.in).nextLine()); } }',
    crash: 'public class Crash { public static void main(String[] args) { System.exit(3); } }',
    broken: 'public class Main { public static void main(String[] args) { int x = "no"; } }'
  },
  rust: {
    hello: 'fn main() { println!("Hello World!"); }',
    echo: 'use std::io::BufRead;\nfn main() { let line = std::io::stdin().lock().lines().next().unwrap().unwrap(); println!("{}", line); }',
    crash: 'fn main() { std::process::exit(3); }',
    broken: 'fn main() { let x: i32 = "no"; }'
  },
  sqlite3: {
    hello: "SELECT 'Hello World!';",
    echo: "SELECT 'echo me';",
    crash: ".bail on\nSELECT * FROM missing_table;"
  },
  ruby: { hello: 'puts "Hello World!"', echo: 'puts gets', crash: 'exit 3' },
  php: { hello: '<?php echo "Hello World!\\n";', echo: '<?php echo fgets(STDIN);', crash: '<?php exit(3);' },
  lua: { hello: 'print("Hello World!")', echo: 'print(io.read())', crash: 'os.exit(3)' },
  perl: { hello: 'print "Hello World!\\n";', echo: 'print scalar <STDIN>;', crash: 'exit 3;' },
  bash: { hello: 'echo "Hello World!"', echo: 'read line; echo "$line"', crash: 'exit 3' }
}

const execute = async (language: string, code: string, stdin = '') =>
  (await call(base, { url: '/api/v1/execute', payload: { language, code, stdin, limits: { compile: { timeoutMs: 30000 }, run: { timeoutMs: 10000 } } } })).json()

test('/api/v1/runtimes lists every language with the version its toolchain reports', async () => {
  const runtimes = (await call(base, { url: '/api/v1/runtimes' })).json()
  expect(runtimes.map((r: { language: string }) => r.language)).toEqual(Object.keys(programs))
  for (const runtime of runtimes) {
    expect(runtime.version).toMatch(/^\d+\.\d+(\.\d+)?/)
    expect(runtime.compiled).toBe(programs[runtime.language].broken !== undefined)
  }
  expect(runtimes.find((r: { language: string }) => r.language === 'ruby')).toMatchObject({ aliases: ['rb'] })
})

describe.each(Object.entries(programs))('%s', (language, program) => {
  test('hello world', async () => {
    const answer = await execute(language, program.hello)
    expect({ status: answer.status, stdout: answer.run.stdout }).toEqual({ status: 'ok', stdout: 'Hello World!\n' })
    expect(answer.version).toMatch(/^\d/)
  })

  test('stdin echoed', async () => {
    const answer = await execute(language, program.echo, 'echo me\n')
    expect({ status: answer.status, stdout: answer.run.stdout }).toEqual({ status: 'ok', stdout: 'echo me\n' })
  })

  test('a runtime error', async () => {
    const answer = await execute(language, program.crash)
    // sqlite3 has no exit status of the program's choosing: a failed statement under .bail exits 1.
    expect({ status: answer.status, exitCode: answer.run.exitCode }).toEqual({ status: 'runtime_error', exitCode: language === 'sqlite3' ? 1 : 3 })
  })

  if (program.broken) {
    test('a compile error, with the compiler message', async () => {
      const answer = await execute(language, program.broken!)
      expect(answer.status).toBe('compile_error')
      expect(answer.compile.stderr).toMatch(/error/)
      expect(answer.run).toBeNull()
    })
  }
})
