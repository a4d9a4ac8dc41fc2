// Who the page runs programs as. Without API keys, a random user id of its own; with keys, the key a
// person gives it, checked by GET /api/v1/whoami and kept in this tab's session storage only.

const KEY = 'codeexec.apiKey'

interface Whoami { apiKeys: boolean, userId: string | null }

async function whoami (key: string | null): Promise<Whoami> {
  const response = await fetch('/api/v1/whoami', key ? { headers: { 'x-api-key': key } } : {})
  return await response.json() as Whoami
}

export class Identity {
  private readonly user = `playground-${Math.random().toString(36).slice(2, 10)}`
  /** Whether the service wants a key, and the key it knows, once asked. */
  private wanted = false
  private key: string | null = null

  /**
   * Asks the service whether it wants a key: undefined when not, the user of the key this tab holds when
   * it knows it, null when a key is needed (a stale one is forgotten).
   */
  async check (): Promise<string | null | undefined> {
    const stored = sessionStorage.getItem(KEY)
    const answer = await whoami(stored)
    this.wanted = answer.apiKeys
    if (!this.wanted) return undefined
    if (answer.userId !== null) {
      this.key = stored
      return answer.userId
    }
    sessionStorage.removeItem(KEY)
    return null
  }

  /** Tries `key`: its user when the service knows it (and the key is kept for this tab), else null. */
  async use (key: string): Promise<string | null> {
    const answer = await whoami(key)
    if (answer.userId === null) return null
    this.key = key
    sessionStorage.setItem(KEY, key)
    return answer.userId
  }

  /** Whether runs can be made now: no key wanted, or one held. */
  get ready (): boolean {
    return !this.wanted || this.key !== null
  }

  /** The WebSocket's query: the key when keys are wanted, the page's own user id otherwise. */
  get socketQuery (): string {
    return this.wanted ? `apiKey=${encodeURIComponent(this.key ?? '')}` : `userId=${this.user}`
  }
}
