import { commandsFor, findLanguage } from '../../../../runner/src/contract/languages'

// Judge0 CE v1.13.1's language ids (its db/languages/active.rb) for the languages we have. Clients
// hard-code these ids, so every id Judge0 gives one of our languages runs here, on our toolchain; its
// name carries our version. GET /languages lists one id per language (Judge0's newest for it); the older
// ids (C 48 and 49, C++ 52 and 53) run the same toolchain and answer GET /languages/:id.

export interface Judge0Language {
  id: number
  /** Ours (contract/languages.ts). */
  language: string
  /** Judge0's name for it, our version in it. */
  label: (version: string) => string
  /** In GET /languages: one id per language. */
  listed: boolean
}

const entry = (id: number, language: string, label: (version: string) => string, listed = true): Judge0Language => ({ id, language, label, listed })

export const JUDGE0_LANGUAGES: readonly Judge0Language[] = [
  entry(46, 'bash', (v) => `Bash (${v})`),
  entry(48, 'c', (v) => `C (GCC ${v})`, false),
  entry(49, 'c', (v) => `C (GCC ${v})`, false),
  entry(50, 'c', (v) => `C (GCC ${v})`),
  entry(51, 'csharp', (v) => `C# (Mono ${v})`),
  entry(52, 'cpp', (v) => `C++ (GCC ${v})`, false),
  entry(53, 'cpp', (v) => `C++ (GCC ${v})`, false),
  entry(54, 'cpp', (v) => `C++ (GCC ${v})`),
  entry(56, 'd', (v) => `D (DMD ${v})`),
  entry(58, 'erlang', (v) => `Erlang (OTP ${v})`),
  entry(59, 'fortran', (v) => `Fortran (GFortran ${v})`),
  entry(60, 'go', (v) => `Go (${v})`),
  entry(61, 'haskell', (v) => `Haskell (GHC ${v})`),
  entry(62, 'java', (v) => `Java (OpenJDK ${v})`),
  entry(63, 'javascript', (v) => `JavaScript (Node.js ${v})`),
  entry(64, 'lua', (v) => `Lua (${v})`),
  entry(65, 'ocaml', (v) => `OCaml (${v})`),
  entry(66, 'octave', (v) => `Octave (${v})`),
  entry(67, 'pascal', (v) => `Pascal (FPC ${v})`),
  entry(68, 'php', (v) => `PHP (${v})`),
  entry(71, 'python', (v) => `Python (${v})`),
  entry(72, 'ruby', (v) => `Ruby (${v})`),
  entry(73, 'rust', (v) => `Rust (${v})`),
  entry(74, 'typescript', (v) => `TypeScript (${v})`),
  entry(78, 'kotlin', (v) => `Kotlin (${v})`),
  entry(80, 'r', (v) => `R (${v})`),
  entry(82, 'sqlite3', (v) => `SQL (SQLite ${v})`),
  entry(85, 'perl', (v) => `Perl (${v})`)
]

export function judge0Language (id: number): Judge0Language | undefined {
  return JUDGE0_LANGUAGES.find((language) => language.id === id)
}

/** GET /languages/:id's shape: Judge0's LanguageSerializer, our commands in it. */
export function languageDetails (entry: Judge0Language, versions: Record<string, string>) {
  const ours = findLanguage(entry.language)!
  // The commands of a program with no class of its own: the entry file's default name filled in.
  const commands = commandsFor(ours, '')
  return {
    id: entry.id,
    name: entry.label(versions[ours.name] ?? 'unknown'),
    is_archived: false,
    source_file: commands.fileName,
    compile_cmd: commands.compile ? commands.compile.join(' ') : null,
    run_cmd: commands.run.join(' ')
  }
}
