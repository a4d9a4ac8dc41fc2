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
  go: {
    hello: 'package main\nimport "fmt"\nfunc main() { fmt.Println("Hello World!") }',
    echo: 'package main\nimport ("bufio"; "fmt"; "os")\nfunc main() { s := bufio.NewScanner(os.Stdin); s.Scan(); fmt.Println(s.Text()) }',
    crash: 'package main\nimport "os"\nfunc main() { os.Exit(3) }',
    broken: 'package main\nfunc main() { var x int = "no" }'
  },
  csharp: {
    hello: 'class P { static void Main() { System.Console.WriteLine("Hello World!"); } }',
    echo: 'class P { static void Main() { System.Console.WriteLine(System.Console.ReadLine()); } }',
    crash: 'class P { static void Main() { System.Environment.Exit(3); } }',
    broken: 'class P { static void Main() { int x = "no"; } }'
  },
  haskell: {
    hello: 'main = putStrLn "Hello World!"',
    echo: 'main = getLine >>= putStrLn',
    crash: 'import System.Exit\nmain = exitWith (ExitFailure 3)',
    broken: 'main = putStrLn 42'
  },
  ocaml: {
    hello: 'let () = print_endline "Hello World!"',
    echo: 'let () = print_endline (read_line ())',
    crash: 'let () = exit 3',
    broken: 'let () = print_endline 42'
  },
  fortran: {
    hello: "program hello\n  print '(a)', 'Hello World!'\nend program hello",
    echo: "program echo\n  character(len=100) :: line\n  read(*, '(a)') line\n  print '(a)', trim(line)\nend program echo",
    crash: 'program crash\n  stop 3\nend program crash',
    broken: 'program broken\n  x = \nend program broken'
  },
  d: {
    hello: 'import std.stdio;\nvoid main() { writeln("Hello World!"); }',
    echo: 'import std.stdio;\nimport std.string;\nvoid main() { writeln(readln().chomp); }',
    crash: 'int main() { return 3; }',
    broken: 'void main() { int x = "no"; }'
  },
  r: { hello: 'cat("Hello World!\\n")', echo: 'cat(readLines(file("stdin"), n = 1), "\\n", sep = "")', crash: 'quit(status = 3)' },
  erlang: {
    hello: 'main(_) -> io:format("Hello World!~n").',
    echo: 'main(_) -> io:format("~s", [io:get_line("")]).',
    crash: 'main(_) -> halt(3).'
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
  bash: { hello: 'echo "Hello World!"', echo: 'read line; echo "$line"', crash: 'exit 3' },
  typescript: {
    hello: 'const greeting: string = "Hello World!"\nconsole.log(greeting)',
    echo: 'process.stdin.on("data", (d: Buffer) => process.stdout.write(d))',
    crash: 'process.exit(3)',
    broken: 'const x: number = "no"'
  },
  kotlin: {
    hello: 'fun main() { println("Hello World!") }',
    echo: 'fun main() { println(readLine()) }',
    crash: 'fun main() { kotlin.system.exitProcess(3) }',
    broken: 'fun main() { val x: Int = "no" }'
  },
  octave: {
    hello: 'printf("Hello World!\\n")',
    echo: 'printf("%s\\n", input("", "s"))',
    crash: 'exit(3)'
  },
  pascal: {
    hello: "program Hello;\nbegin\n  writeln('Hello World!');\nend.",
    echo: 'program Echo;\nvar s: string;\nbegin\n  readln(s);\n  writeln(s);\nend.',
    crash: 'program Crash;\nbegin\n  halt(3);\nend.',
    broken: "program Broken;\nvar x: integer;\nbegin\n  x := 'no';\nend."
  }
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
      // Some compilers (mcs) write their messages on stdout; go's name the place, not the word "error".
      expect(answer.compile.stderr + answer.compile.stdout).toMatch(/error|main\.\w+:\d+:\d+/i)
      expect(answer.run).toBeNull()
    })
  }
})
