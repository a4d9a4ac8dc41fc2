import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { keysConfigured, userOf } from '../../auth'
import type { Config } from '../../config'
import { UnauthorizedError } from '../../errors'

// Judge0's two checks (its sessions_controller.rb), each header also taken from the query as Judge0 does:
// X-Auth-Token authenticates (here it is one of our API keys), X-Auth-User authorizes the administrative
// calls (here one of judge0.authUsers). A failed check is answered with no body: 401, 403.

const given = (request: FastifyRequest, name: string): string | undefined => {
  const header = request.headers[name.toLowerCase()]
  if (typeof header === 'string') return header
  const query = (request.query ?? {}) as Record<string, unknown>
  return typeof query[name] === 'string' ? query[name] as string : undefined
}

/**
 * The user a Judge0 request acts for: its X-Auth-Token's, or undefined without keys (anyone may submit).
 * null when it was refused: the 401 has been sent.
 */
export function authenticated (config: Config, request: FastifyRequest, reply: FastifyReply): string | undefined | null {
  if (!keysConfigured(config)) return undefined
  try {
    return userOf(config, given(request, 'X-Auth-Token'), undefined)
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err
    void reply.code(401).send()
    return null
  }
}

function same (a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Whether the request carries one of judge0.authUsers as X-Auth-User; if not, the 403 has been sent. */
export function authorized (config: Config, request: FastifyRequest, reply: FastifyReply): boolean {
  const token = given(request, 'X-Auth-User')
  if (token !== undefined && config.judge0.authUsers.some((user) => same(user, token))) return true
  void reply.code(403).send()
  return false
}
