// A program, its language, stdin and arguments kept in the URL's fragment: a link reopens them, and the
// fragment is never sent to the server.

export interface Shared { language: string, code: string, stdin: string, args: string }

export function fragmentOf (shared: Shared): string {
  const bytes = new TextEncoder().encode(JSON.stringify(shared))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The state in `fragment` (without its #), or undefined when it holds none. */
export function sharedFrom (fragment: string): Shared | undefined {
  if (fragment === '') return undefined
  try {
    const binary = atob(fragment.replace(/-/g, '+').replace(/_/g, '/'))
    const parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))) as Partial<Shared>
    if (typeof parsed.language !== 'string' || typeof parsed.code !== 'string') return undefined
    return { language: parsed.language, code: parsed.code, stdin: String(parsed.stdin ?? ''), args: String(parsed.args ?? '') }
  } catch {
    return undefined
  }
}
