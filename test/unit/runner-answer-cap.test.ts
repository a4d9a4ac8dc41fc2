import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunnerError } from '../../proxy/src/errors'
import { Runner } from '../../proxy/src/pool/runner'

// Issue 14, defect 9: the proxy read a runner's whole answer, however large. It reads no further than
// the job's limits allow: here an agent on a unix socket that answers a megabyte, past a cap of 64 KiB.
let dir: string
let server: Server
let answer = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'answer-cap-'))
  server = createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': req.url === '/execute' ? 'application/json' : 'text/plain' })
    res.end(answer)
  })
  await new Promise<void>((resolve) => server.listen(join(dir, 'agent.sock'), resolve))
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

test('an answer over the cap is a RunnerError, whole or streamed; one under it is read', async () => {
  const runner = new Runner('capped', join(dir, 'agent.sock'))
  answer = JSON.stringify({ status: 'ok', run: { stdout: 'x'.repeat(1 << 20) } })
  await expect(runner.execute({}, '', 5000, 64 * 1024)).rejects.toMatchObject({ code: 'RESULT_TOO_LARGE' })
  answer = JSON.stringify({ type: 'result', status: 'ok', run: { stdout: 'x'.repeat(1 << 20) } }) + '\n'
  await expect(runner.execute({}, '', 5000, 64 * 1024, { onOutput: () => {} })).rejects.toBeInstanceOf(RunnerError)
  answer = JSON.stringify({ status: 'ok', run: { stdout: 'small' } })
  expect(await runner.execute({}, '', 5000, 64 * 1024)).toMatchObject({ run: { stdout: 'small' } })
  await runner.close()
})
