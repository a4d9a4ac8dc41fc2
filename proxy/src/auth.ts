import type { IncomingHttpHeaders } from 'node:http'
import type { Config } from './config'
import { ForbiddenError, InvalidFieldError, MissingFieldError, UnauthorizedError } from './errors'

/** The longest user id a request may name, in a body or on the WebSocket's query. */
export const MAX_USER_ID_LENGTH = 128

/** Whether API keys are configured: without them the service is single-tenant. */
export function keysConfigured (config: Config): boolean {
  return Object.keys(config.auth.keys).length > 0
}

/** The user of an API key; undefined when the key is not one of ours. */
export function keyUser (config: Config, key: string): string | undefined {
  return Object.hasOwn(config.auth.keys, key) ? config.auth.keys[key] : undefined
}

/** The API key a request carries: `x-api-key`, `authorization: Bearer <key>`, or (WebSockets) `?apiKey=`. */
export function apiKeyOf (headers: IncomingHttpHeaders, query?: Record<string, unknown>): string | undefined {
  const header = headers['x-api-key']
  if (typeof header === 'string' && header !== '') return header
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')
  if (bearer) return bearer[1]
  return typeof query?.apiKey === 'string' && query.apiKey !== '' ? query.apiKey : undefined
}

/** A request's URL as it may be logged: an API key given in the query (`apiKey=`, Judge0's `X-Auth-Token=` and `X-Auth-User=`) is replaced. */
export function redactedUrl (url: string): string {
  return url.replace(/([?&](?:apiKey|X-Auth-Token|X-Auth-User)=)[^&#]*/gi, '$1[redacted]')
}

/**
 * The user a request acts for. With keys configured it is the key's (a `userId` the request names must be
 * that one); without, it is the `userId` the request names, `fallback` when it names none (undefined:
 * required).
 */
export function userOf (config: Config, key: string | undefined, named: string | undefined, fallback?: string): string {
  if (keysConfigured(config)) {
    if (key === undefined) {
      throw new UnauthorizedError('an API key is required: send it as x-api-key or Authorization: Bearer (?apiKey= on the WebSocket)')
    }
    const user = keyUser(config, key)
    if (user === undefined) throw new UnauthorizedError('the API key is not known')
    if (named !== undefined && named !== user) throw new ForbiddenError(`userId ${JSON.stringify(named)} is not the user of this API key`)
    return user
  }
  const user = named ?? fallback
  if (user === undefined) throw new MissingFieldError('userId')
  if (user.length > MAX_USER_ID_LENGTH) throw new InvalidFieldError('userId', `must have at most ${MAX_USER_ID_LENGTH} characters`)
  return user
}
