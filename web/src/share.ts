// A program, its language, stdin, arguments and tests kept in the URL's fragment: a link reopens them, and
// the fragment is never sent to the server.
import type { TestCase } from './judge'

export type Mode = 'run' | 'interactive' | 'judge'
export const MODES: Mode[] = ['run', 'interactive', 'judge']

export interface Shared {
  language: string
  code: string
  stdin: string
  args: string
  mode: Mode
  tests: TestCase[]
  checker: string
}

export function fragmentOf (shared: Shared): string {
  const bytes = new TextEncoder().encode(JSON.stringify(shared))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The state in `fragment` (without its #), or undefined when it holds none; what a link lacks takes its default. */
export function sharedFrom (fragment: string): Shared | undefined {
  if (fragment === '') return undefined
  try {
    const binary = atob(fragment.replace(/-/g, '+').replace(/_/g, '/'))
    const parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))) as Partial<Shared>
    if (typeof parsed.language !== 'string' || typeof parsed.code !== 'string') return undefined
    const tests = Array.isArray(parsed.tests) ? parsed.tests : []
    return {
      language: parsed.language,
      code: parsed.code,
      stdin: String(parsed.stdin ?? ''),
      args: String(parsed.args ?? ''),
      mode: MODES.includes(parsed.mode as Mode) ? parsed.mode as Mode : 'run',
      tests: tests.map((test: Partial<TestCase>) => ({ stdin: String(test?.stdin ?? ''), expectedOutput: String(test?.expectedOutput ?? '') })),
      checker: typeof parsed.checker === 'string' ? parsed.checker : 'lines'
    }
  } catch {
    return undefined
  }
}
