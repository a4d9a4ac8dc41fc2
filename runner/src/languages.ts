// The one language table. Adding a language is adding a row here (and its toolchain to runner/Dockerfile).
// Shared by the runner agent (how to compile and run) and the proxy (which names exist, default limits).
import type { StageLimits } from './limits'

/** The PATH user programs (and version probes) see. */
export const PROGRAM_PATH = '/usr/local/bin:/usr/bin:/bin'

export interface Language {
  /** Canonical name, as Piston spells it. */
  name: string
  aliases: string[]
  /** The file the submitted code is written to, inside the job's scratch directory. */
  fileName: string
  /** argv of the compile stage; absent for interpreted languages. */
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
    run: ['python3', 'main.py'],
    versionCommand: ['python3', '--version'],
    versionPattern: 'Python (\\S+)',
    limits: {}
  },
  {
    name: 'javascript',
    aliases: ['js', 'node', 'nodejs'],
    fileName: 'main.js',
    run: ['node', 'main.js'],
    versionCommand: ['node', '--version'],
    versionPattern: 'v(\\S+)',
    limits: {}
  },
  {
    name: 'c',
    aliases: ['gcc'],
    fileName: 'main.c',
    compile: ['gcc', '-O2', '-pipe', '-o', 'main', 'main.c', '-lm'],
    run: ['./main'],
    versionCommand: ['gcc', '-dumpfullversion'],
    versionPattern: '(\\S+)',
    limits: {}
  },
  {
    name: 'cpp',
    aliases: ['c++', 'g++', 'cxx'],
    fileName: 'main.cpp',
    compile: ['g++', '-O2', '-pipe', '-o', 'main', 'main.cpp'],
    run: ['./main'],
    versionCommand: ['g++', '-dumpfullversion'],
    versionPattern: '(\\S+)',
    limits: { compile: { timeoutMs: 15000 } }
  },
  {
    name: 'ruby',
    aliases: ['rb'],
    fileName: 'main.rb',
    run: ['ruby', 'main.rb'],
    versionCommand: ['ruby', '--version'],
    versionPattern: 'ruby (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'php',
    aliases: ['php8'],
    fileName: 'main.php',
    run: ['php', 'main.php'],
    versionCommand: ['php', '--version'],
    versionPattern: 'PHP (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'lua',
    aliases: ['lua5.4'],
    fileName: 'main.lua',
    run: ['lua5.4', 'main.lua'],
    versionCommand: ['lua5.4', '-v'],
    versionPattern: 'Lua (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  },
  {
    name: 'perl',
    aliases: ['pl'],
    fileName: 'main.pl',
    run: ['perl', 'main.pl'],
    versionCommand: ['perl', '-e', 'print $^V'],
    versionPattern: 'v(\\S+)',
    limits: {}
  },
  {
    name: 'bash',
    aliases: ['sh'],
    fileName: 'main.sh',
    run: ['bash', 'main.sh'],
    versionCommand: ['bash', '--version'],
    versionPattern: 'version (\\d+\\.\\d+\\.\\d+)',
    limits: {}
  }
]

const byName = new Map<string, Language>()
for (const language of languages) {
  byName.set(language.name, language)
  for (const alias of language.aliases) byName.set(alias, language)
}

/** Finds a language by canonical name or alias, case-insensitively. */
export function findLanguage (name: string): Language | undefined {
  return byName.get(name.toLowerCase())
}

export function languageNames (): string[] {
  return languages.map((language) => language.name)
}
