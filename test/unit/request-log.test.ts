import { Writable } from 'node:stream'
import pino from 'pino'
import { request } from 'undici'
import { buildApp } from '../../proxy/src/app'
import { redactedUrl } from '../../proxy/src/auth'
import { parseConfig } from '../../proxy/src/config'
import type { ExecutionPool } from '../../proxy/src/execution-pool'
import { Metrics } from '../../proxy/src/metrics'

// Issue 14: an API key given as ?apiKey= (the WebSocket's way) must never reach the request log.
describe('the request log and API keys', () => {
  test('redactedUrl replaces the key in any position and any case, and leaves the rest', () => {
    expect(redactedUrl('/api/v1/ws?apiKey=k-1234567890123456&userId=ann')).toBe('/api/v1/ws?apiKey=[redacted]&userId=ann')
    expect(redactedUrl('/api/v1/ws?userId=ann&APIKEY=secret#x')).toBe('/api/v1/ws?userId=ann&APIKEY=[redacted]#x')
    expect(redactedUrl('/api/v1/ws?userId=ann')).toBe('/api/v1/ws?userId=ann')
    expect(redactedUrl('/api/v1/ws?myapiKey=1')).toBe('/api/v1/ws?myapiKey=1')
    expect(redactedUrl('/judge0/submissions/t?X-Auth-Token=k-123&fields=*')).toBe('/judge0/submissions/t?X-Auth-Token=[redacted]&fields=*')
  })

  test("the app's request line carries the redacted URL", async () => {
    const lines: any[] = []
    const sink = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().trim().split('\n').map((line: string) => JSON.parse(line))); done() } })
    // No route here reaches the pool: a 404 is enough to be logged.
    const pool = { versions: {}, close: async () => {} } as unknown as ExecutionPool
    const app = buildApp({ config: parseConfig({}), pool, metrics: new Metrics({ defaultMetrics: false }), loggerInstance: pino(sink) })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    await (await request(`${base}/nowhere?apiKey=very-secret-key-0000&userId=ann`)).body.dump()
    await app.close()
    const logged = lines.find((line) => line.msg === 'request')
    expect(logged).toMatchObject({ url: '/nowhere?apiKey=[redacted]&userId=ann', statusCode: 404 })
    expect(JSON.stringify(lines)).not.toContain('very-secret-key-0000')
  })
})
