import { buildApp } from '../../proxy/src/app'
import { parseConfig } from '../../proxy/src/config'
import type { ExecutionPool } from '../../proxy/src/execution-pool'
import { Metrics } from '../../proxy/src/metrics'

// GET /api/v1/whoami: the playground asks it whether to ask for a key, and whether a key is known.
const pool = { versions: {}, close: async () => {} } as unknown as ExecutionPool
const appWith = (keys: Record<string, string>) =>
  buildApp({ config: parseConfig({ auth: { keys } }), pool, metrics: new Metrics({ defaultMetrics: false }) })

/** Asks GET /api/v1/whoami of an app with `keys`, on loopback, with each set of headers in turn. */
async function ask (keys: Record<string, string>, ...headerSets: Array<Record<string, string>>): Promise<unknown[]> {
  const app = appWith(keys)
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    const answers = []
    for (const headers of headerSets) {
      const response = await fetch(`${base}/api/v1/whoami`, { headers })
      answers.push([response.status, await response.json()])
    }
    return answers
  } finally {
    await app.close()
  }
}

test('without keys: none wanted, and no key makes anyone a user', async () => {
  expect(await ask({}, { 'x-api-key': 'anything-at-all-16' })).toEqual([[200, { apiKeys: false, userId: null }]])
})

test('with keys: the user of a known key (either header), null for none or an unknown one, never a 401', async () => {
  expect(await ask({ 'alice-key-0123456789': 'alice' },
    { 'x-api-key': 'alice-key-0123456789' }, { authorization: 'Bearer alice-key-0123456789' }, { 'x-api-key': 'someone-elses-key-000' }, {}
  )).toEqual([
    [200, { apiKeys: true, userId: 'alice' }], [200, { apiKeys: true, userId: 'alice' }],
    [200, { apiKeys: true, userId: null }], [200, { apiKeys: true, userId: null }]
  ])
})
