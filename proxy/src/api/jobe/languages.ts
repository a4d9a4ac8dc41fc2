// Jobe's languages (trampgeek/jobe app/Libraries/*Task.php) on our toolchains: each with Jobe's default
// file name, its compile and run command lines (which Jobe runs through `sh -c`, and so do we), and its
// default parameters over LanguageTask's. A compile fails as Jobe's does: when it writes to stderr.

/** A run_spec's parameters as Jobe reads them (LanguageTask's $default_params). */
export interface JobeParams {
  disklimit: number
  streamsize: number
  cputime: number
  memorylimit: number
  numprocs: number
  compileargs: string[]
  linkargs: string[]
  interpreterargs: string[]
  runargs: string[]
  main_class?: string | null
}

/** LanguageTask's global defaults. */
export const DEFAULT_PARAMS: JobeParams = {
  disklimit: 20, streamsize: 2, cputime: 5, memorylimit: 400, numprocs: 30, compileargs: [], linkargs: [], interpreterargs: [], runargs: []
}

export interface JobeLanguage {
  id: string
  /** Ours (contract/languages.ts): the toolchain, and the version GET languages shows. */
  language: string
  /** The source's name when the run_spec gives none; null when it cannot be told (Java without a main class). */
  defaultFileName: (sourcecode: string) => string | null
  /** The compile's shell command, or none. */
  compile?: (source: string, params: JobeParams) => string
  /** getExecutablePath and getTargetFile: what the run command starts with. */
  executable: string | ((source: string) => string)
  target: (source: string, params: JobeParams) => string
  defaults: Partial<JobeParams>
  /** Parameters a language insists on, over the run_spec's (JavaTask: no memory limit, at least 256 processes). */
  forced?: (params: JobeParams) => Partial<JobeParams>
  /** filteredStderr. */
  filterStderr?: (stderr: string) => string
}

const words = (args: string[]) => args.join(' ')

/** JavaTask's getMainClass: the one public class with a main method. */
function javaMainClass (code: string): string | null {
  const pattern = /(^|\W)public\s+class\s+(\w+)[^{]*\{.*?(public\s+static|static\s+public)\s+void\s+main\s*\(\s*String/gms
  const matches = [...code.matchAll(pattern)]
  return matches.length === 1 ? matches[0][2] : null
}

/** OctaveTask's filteredStderr: no returns, and without the trailing lines Octave adds to an error. */
function octaveStderr (stderr: string): string {
  const lines = stderr.replaceAll('\r', '').split('\n')
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop()
  if (lines.length > 0 && lines[lines.length - 1].startsWith('error: ignoring octave_execution_exception')) lines.pop()
  if (lines.length > 0 && lines[lines.length - 1] === 'error: No such file or directory') lines.pop()
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}

/** CTask and CppTask: gcc or g++ to <source>.exe, which runs; only the compiler and its default arguments differ. */
const gccTask = (id: 'c' | 'cpp', compiler: string, compileargs: string[]): JobeLanguage => ({
  id,
  language: id,
  defaultFileName: () => `prog.${id}`,
  compile: (source, params) => `${compiler} ${words(params.compileargs)} -o ${source}.exe ${source} ${words(params.linkargs)}`,
  executable: (source) => `./${source}.exe`,
  target: () => '',
  defaults: { compileargs }
})

export const JOBE_LANGUAGES: readonly JobeLanguage[] = [
  gccTask('c', 'gcc', ['-Wall', '-Werror', '-std=c99', '-x c']),
  gccTask('cpp', 'g++', ['-Wall', '-Werror']),
  {
    id: 'python3',
    language: 'python',
    defaultFileName: () => 'prog.py',
    compile: (source) => `python3 -m py_compile ${source}`,
    executable: 'python3',
    target: (source) => source,
    defaults: { memorylimit: 1000, interpreterargs: ['-BE'] }
  },
  {
    id: 'java',
    language: 'java',
    defaultFileName: (code) => {
      const main = javaMainClass(code)
      return main === null ? null : `${main}.java`
    },
    compile: (source, params) => `javac ${words(params.compileargs)} ${source}`,
    executable: 'java',
    target: (source, params) => params.main_class ?? source.slice(0, source.indexOf('.')),
    defaults: { numprocs: 256, interpreterargs: ['-Xrs', '-Xss8m', '-Xmx200m'], main_class: null },
    forced: (params) => ({ memorylimit: 0, numprocs: Math.max(256, params.numprocs) }),
    filterStderr: (stderr) => stderr.replaceAll('\n\t', '\n        ')
  },
  {
    id: 'nodejs',
    language: 'javascript',
    defaultFileName: () => 'prog.js',
    executable: 'nodejs',
    target: (source) => source,
    defaults: { interpreterargs: ['--use_strict'] }
  },
  {
    id: 'php',
    language: 'php',
    defaultFileName: () => 'prog.php',
    compile: (source) => `php -l ${source}`,
    executable: 'php',
    target: (source) => source,
    defaults: { memorylimit: 400, interpreterargs: ['--no-php-ini'] }
  },
  {
    id: 'octave',
    language: 'octave',
    defaultFileName: () => 'prog.m',
    executable: 'octave',
    target: (source) => source,
    defaults: { memorylimit: 500, interpreterargs: ['--norc', '--no-window-system', '--silent', '-H'] },
    filterStderr: octaveStderr
  },
  {
    id: 'pascal',
    language: 'pascal',
    defaultFileName: () => 'prog.pas',
    // PascalTask: fpc's errors go to a file, read back when no executable came of it.
    compile: (source, params) => `fpc ${words(params.compileargs)} -Fe${source}.err -o${source}.exe ${source} >/dev/null 2>&1; ` +
      `[ -f ${source}.exe ] || { cat ${source}.err >&2; exit 1; }`,
    executable: (source) => `./${source}.exe`,
    target: () => '',
    defaults: { compileargs: ['-vew', '-Se'] }
  }
]

export function jobeLanguage (id: string): JobeLanguage | undefined {
  return JOBE_LANGUAGES.find((language) => language.id === id)
}

/** The run's shell command, as LanguageTask's getRunCommand joins it. */
export function runCommand (language: JobeLanguage, source: string, params: JobeParams): string {
  const executable = typeof language.executable === 'string' ? language.executable : language.executable(source)
  const target = language.target(source, params)
  return [executable, ...params.interpreterargs, ...(target ? [target] : []), ...params.runargs].join(' ')
}
