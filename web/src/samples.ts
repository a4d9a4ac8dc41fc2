// Each language's first program in the editor: it prints a line and reads one from stdin where that is short.

const SAMPLES: Record<string, string> = {
  python: 'import sys\n\nname = sys.stdin.readline().strip()\nprint(f"Hello, {name or \'world\'}!")\n',
  javascript: 'const input = require("fs").readFileSync(0, "utf8").trim()\nconsole.log(`Hello, ${input || "world"}!`)\n',
  typescript: 'const who: string = "world"\nconsole.log(`Hello, ${who}!`)\n',
  c: '#include <stdio.h>\n\nint main(void) {\n    printf("Hello, world!\\n");\n    return 0;\n}\n',
  cpp: '#include <iostream>\n\nint main() {\n    std::cout << "Hello, world!" << std::endl;\n}\n',
  java: 'public class Main {\n    public static void main(String[] args) {\n        System.out.println("Hello, world!");\n    }\n}\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello, world!")\n}\n',
  rust: 'fn main() {\n    println!("Hello, world!");\n}\n',
  ruby: 'puts "Hello, world!"\n',
  php: '<?php\necho "Hello, world!\\n";\n',
  bash: 'echo "Hello, world!"\n',
  lua: 'print("Hello, world!")\n',
  perl: 'print "Hello, world!\\n";\n',
  csharp: 'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("Hello, world!");\n    }\n}\n',
  kotlin: 'fun main() {\n    println("Hello, world!")\n}\n',
  haskell: 'main :: IO ()\nmain = putStrLn "Hello, world!"\n',
  r: 'cat("Hello, world!\\n")\n',
  octave: 'disp("Hello, world!")\n',
  pascal: 'program Hello;\nbegin\n  writeln(\'Hello, world!\');\nend.\n',
  sqlite3: "SELECT 'Hello, world!';\n"
}

/** The sample for `language`, or a line saying where to start. */
export function sampleFor (language: string): string {
  return SAMPLES[language] ?? ''
}
