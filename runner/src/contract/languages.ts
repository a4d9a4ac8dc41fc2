// The one language table. Adding a language is adding a row here (and its toolchain to runner/Dockerfile).
// Shared by the runner agent (how to compile and run) and the proxy (which names exist, default limits).
import type { StageLimits } from './limits'

/** The PATH user programs (and version probes) see. */
export const PROGRAM_PATH = '/usr/local/bin:/usr/bin:/bin'

export interface Language {
  /** Canonical name, as Piston spells it. */
  name: string
  aliases: string[]
  /** The file the submitted code is written to, inside the job's scratch directory; may hold {class}. */
  fileName: string
  /**
   * For class-bound languages: the entry class is the first public class the code declares, else the
   * fallback. In fileName, compile and run, {class} stands for it, {file} for the entry file's name, {base}
   * for that name without its extension, and
   * an argument that is just {sources} for every file of the entry's extension: the others in the order
   * they were sent, then the entry (dependencies first, as OCaml and Fortran need them).
   */
  entryClass?: { pattern: string, fallback: string }
  /** Written before the code, for a runner that needs a header the user should not have to write. */
  prelude?: string
  /** argv of the compile stage; absent for interpreted languages. A job's compile options go just before its first {file} or {sources}. */
  compile?: string[]
  /** argv of the run stage; the request's args are appended. */
  run: string[]
  /** argv that prints the toolchain's version, and the pattern whose first group is the version. */
  versionCommand: string[]
  versionPattern: string
  /** Per-language defaults that take precedence over pool.config.json's defaults. */
  limits: { compile?: Partial<StageLimits>, run?: Partial<StageLimits> }
}

export const languages: readonly Language[] = [
  {
    name: 'python',
    aliases: ['py', 'python3'],
    fileName: 'main.py',
    run: ['python3', '{file}'],
    versionCommand: ['python3', '--version'],
    versionPattern: 'Python (\\S+)',
    limits: {}
  },
  {
    name: 'javascript',
    aliases: ['js', 'node', 'nodejs'],
    fileName: 'main.js',
    run: ['node', '{file}'],
    versionCommand: ['node', '--version'],
    versionPattern: 'v(\\S+)',
    limits: {}
  },
  {
    name: 'c',
    aliases: ['gcc'],
    fileName: 'main.c',
    compile: ['gcc', '-O2', '-pipe', '-o', 'main', '{sources}', '-lm'],
    run: ['./main'],
    versionCommand: ['gcc', '-dumpfullversion'],
    versionPattern: '(\\S+)',
    limits: {}
  },
  {
    name: 'cpp',
    aliases: ['c++', 'g++', 'cxx'],
    fileName: 'main.cpp',
    compile: ['g++', '-O2', '-pipe', '-o', 'main', '{sources}'],
    run: ['./main'],
    versionCommand: ['g++', '-dumpfullversion'],
    versionPattern: '(\\S+)',
    limits: { compile: { timeoutMs: 15000 } }
  },
  {
    name: 'java',
    aliases: [],
    fileName: '{class}.java',
    entryClass: { pattern: 'public\\s+(?:final\\s+|abstract\\s+)*class\\s+([A-Za-z_$][\\w$]*)', fallback: 'Main' },
    compile: ['javac', '-encoding', 'UTF-8', '-J-Xshare:auto', '{file}'],
    run: ['java', '-Xshare:auto', '{class}'],
    versionCommand: ['javac', '-version'],
    versionPattern: 'javac (\\S+)',
    limits: { compile: { timeoutMs: 20000, cpuTimeMs: 20000 } }
  },
  {
    name: 'rust',
    aliases: ['rs'],
    fileName: 'main.rs',
    compile: ['rustc', '-O', '-o', 'main', '{file}'],
    run: ['./main'],
    versionCommand: ['rustc', '--version'],
    versionPattern: 'rustc (\\S+)',
    limits: { compile: { timeoutMs: 20000, cpuTimeMs: 20000 } }
  },
  {
    name: 'go',
    aliases: ['golang'],
    fileName: 'main.go',
    compile: ['go', 'build', '-o', 'main', '{sources}'],
    run: ['./main'],
    versionCommand: ['go', 'version'],
    versionPattern: 'go(\\d+\\.\\d+(?:\\.\\d+)?)',
    limits: { compile: { timeoutMs: 20000, cpuTimeMs: 20000 } }
  },
  {
    name: 'csharp',
    aliases: ['cs', 'c#', 'mono'],
    fileName: 'main.cs',
    compile: ['mcs', '-out:main.exe', '{sources}'],
    run: ['mono', 'main.exe'],
    versionCommand: ['mcs', '--version'],
    versionPattern: 'version (\\S+)',
    limits: {}
  },
  {
    name: 'haskell',
    aliases: ['hs', 'ghc'],
    fileName: 'main.hs',
    compile: ['ghc', '-O0', '-v0', '-o', 'main', '{file}'],
    run: ['./main'],
    versionCommand: ['ghc', '--numeric-version'],
    versionPattern: '(\\S+)',
    limits: { compile: { timeoutMs: 30000, cpuTimeMs: 30000 } }
  },
  {
    name: 'ocaml',
    aliases: ['ml'],
    fileName: 'main.ml',
    compile: ['ocamlopt', '-o', 'main', '{sources}'],
    run: ['./main'],
    versionCommand: ['ocamlopt', '-version'],
    versionPattern: '(\\S+)',
    limits: {}
  },
  {
    name: 'fortran',
    aliases: ['f90', 'gfortran'],
    fileName: 'main.f90',
    compile: ['gfortran', '-O2', '-o', 'main', '{sources}'],
    run: ['./main'],
    versionCommand: ['gfortran', '-dumpfullversion'],
    versionPattern: '(\\S+)',
    limits: {}
  },
  {
    name: 'd',
    aliases: ['gdc', 'dlang'],
    fileName: 'main.d',
    compile: ['gdc', '-O2', '-o', 'main', '{sources}'],
    run: ['./main'],
    versionCommand: ['gdc', '-dumpfullversion'],
    versionPattern: '(\\S+)',
    limits: {}
  },
  {
    name: 'r',
    aliases: ['rscript'],
    fileName: 'main.r',
    run: ['Rscript', '{file}'],
    versionCommand: ['R', '--version'],
    versionPattern: 'R version (\\S+)',
    limits: {}
  },
  {
    name: 'erlang',
    aliases: ['erl', 'escript'],
    fileName: 'main.erl',
    // escript skips the first line of its file, which is meant to be this one.
    prelude: '#!/usr/bin/env escript\n',
    run: ['escript', '{file}'],
    versionCommand: ['sh', '-c', 'cat /usr/lib/erlang/releases/*/OTP_VERSION'],
    versionPattern: '(\\S+)',
    limits: {}
  },
  {
    name: 'sqlite3',
    aliases: ['sqlite', 'sql'],
    fileName: 'main.sql',
    run: ['sqlite3', ':memory:', '.read {file}'],
    versionCommand: ['sqlite3', '--version'],
    versionPattern: '^(\\S+)',
    limits: {}
  },
  {
    name: 'ruby',
    aliases: ['rb'],
    fileName: 'main.rb',
    run: ['ruby', '{file}'],
    versionCommand: ['ruby', '--version'],
    versionPattern: 'ruby (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'php',
    aliases: ['php8'],
    fileName: 'main.php',
    run: ['php', '{file}'],
    versionCommand: ['php', '--version'],
    versionPattern: 'PHP (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'lua',
    aliases: ['lua5.4'],
    fileName: 'main.lua',
    run: ['lua5.4', '{file}'],
    versionCommand: ['lua5.4', '-v'],
    versionPattern: 'Lua (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'perl',
    aliases: ['pl'],
    fileName: 'main.pl',
    run: ['perl', '{file}'],
    versionCommand: ['perl', '-e', 'print $^V'],
    versionPattern: 'v(\\S+)',
    limits: {}
  },
  {
    name: 'bash',
    aliases: ['sh'],
    fileName: 'main.sh',
    run: ['bash', '{file}'],
    versionCommand: ['bash', '--version'],
    versionPattern: 'version (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'typescript',
    aliases: ['ts', 'tsc'],
    fileName: 'main.ts',
    // From npm (runner/typescript-packages.txt), type-checked against Node's own types, then run by node.
    compile: [
      'tsc', '--target', 'es2022', '--module', 'commonjs', '--types', 'node', '--typeRoots', '/opt/typescript/node_modules/@types',
      '--skipLibCheck', '--pretty', 'false', '{sources}'
    ],
    run: ['node', '{base}.js'],
    versionCommand: ['tsc', '--version'],
    versionPattern: 'Version (\\S+)',
    limits: { compile: { timeoutMs: 20000, cpuTimeMs: 20000 } }
  },
  {
    name: 'kotlin',
    aliases: ['kt'],
    fileName: 'main.kt',
    compile: ['kotlinc', '{sources}', '-include-runtime', '-d', 'main.jar'],
    run: ['java', '-Xshare:auto', '-jar', 'main.jar'],
    // Debian's kotlinc calls itself "1.3-SNAPSHOT": the version is its package's.
    versionCommand: ['dpkg-query', '--showformat', '${Version}', '--show', 'kotlin'],
    versionPattern: '^(\\d+\\.\\d+\\.\\d+)',
    limits: { compile: { timeoutMs: 30000, cpuTimeMs: 30000 } }
  },
  {
    name: 'octave',
    aliases: ['m'],
    fileName: 'main.m',
    run: ['octave', '--norc', '--no-window-system', '--silent', '--no-history', '{file}'],
    versionCommand: ['octave', '--version', '--norc', '--no-window-system'],
    versionPattern: 'GNU Octave, version (\\S+)',
    limits: {}
  },
  {
    name: 'pascal',
    aliases: ['fpc', 'freepascal', 'pas'],
    fileName: 'main.pas',
    compile: ['fpc', '-v0', '-O2', '-omain', '{file}'],
    run: ['./main'],
    versionCommand: ['fpc', '-iV'],
    versionPattern: '(\\S+)',
    limits: {}
  }
]

const byName = new Map<string, Language>()
for (const language of languages) {
  byName.set(language.name, language)
  for (const alias of language.aliases) byName.set(alias, language)
}

/** The entry class a class-bound language's code declares, else its fallback; undefined for others. */
export function entryClassOf (language: Language, code: string): string | undefined {
  if (!language.entryClass) return undefined
  return new RegExp(language.entryClass.pattern).exec(code)?.[1] ?? language.entryClass.fallback
}

/**
 * A language's entry file name and argv for this code. `entryName` is the name a multi-file job gave its
 * entry point (its class, for class-bound languages, is then the file's own name); `others` are the
 * job's other files.
 */
export function commandsFor (
  language: Language, code: string, entryName?: string, others: readonly { name: string }[] = [], compileArgs: readonly string[] = []
): { fileName: string, compile?: string[], run: string[] } {
  let cls = entryClassOf(language, code) ?? ''
  if (entryName !== undefined && language.entryClass) cls = entryName.replace(/^.*\//, '').replace(/\.[^.]*$/, '')
  const fileName = entryName ?? language.fileName.replace('{class}', cls)
  const extension = /\.[^./]+$/.exec(fileName)?.[0]
  const sources = [...others.map((file) => file.name).filter((name) => extension !== undefined && name.endsWith(extension)), fileName]
  const base = fileName.replace(/\.[^./]+$/, '')
  const filled = (arg: string) => arg.replace('{class}', cls).replace('{file}', fileName).replace('{base}', base)
  const fill = (argv: string[]) => argv.flatMap((arg) => arg === '{sources}' ? sources : [filled(arg)])
  let compile = language.compile && fill(language.compile)
  if (language.compile && compileArgs.length > 0) {
    const at = language.compile.findIndex((arg) => arg === '{sources}' || arg.includes('{file}'))
    const before = fill(language.compile.slice(0, at))
    compile = [...before, ...compileArgs, ...fill(language.compile.slice(at))]
  }
  return { fileName, compile, run: fill(language.run) }
}

/** Finds a language by canonical name or alias, case-insensitively. */
export function findLanguage (name: string): Language | undefined {
  return byName.get(name.toLowerCase())
}

export function languageNames (): string[] {
  return languages.map((language) => language.name)
}
