import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CALLBACK_TRIES, sendCallback } from '../../proxy/src/api/judge0/callback'

// Judge0's call_callback: tried again only when a try fails (no connection, a reset, a timeout), 3 tries
// in all; any answer ends it, whatever its status. A real listener on loopback.
const quiet = { info: () => {} }

type Handler = (tries: number, respond: () => void, reset: () => void) => void

async function listening (handler: Handler): Promise<{ server: Server, url: string, tries: () => number }> {
  let tries = 0
  const server = createServer((request, response) => {
    tries++
    request.resume()
    request.on('end', () => handler(tries, () => response.writeHead(500).end(), () => request.socket.destroy()))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, tries: () => tries }
}

test('a reset try is tried again; the first answer, even a 500, ends it', async () => {
  const { server, url, tries } = await listening((n, respond, reset) => n < 2 ? reset() : respond())
  await sendCallback(url, '{}', quiet)
  server.close()
  expect(tries()).toBe(2)
})

test('three failed tries and no more; a slow listener times out', async () => {
  const resets = await listening((_n, _respond, reset) => reset())
  await sendCallback(resets.url, '{}', quiet)
  resets.server.close()
  expect(resets.tries()).toBe(CALLBACK_TRIES)
  const silent = await listening(() => {})
  await sendCallback(silent.url, '{}', quiet, 200)
  silent.server.closeAllConnections()
  silent.server.close()
  expect(silent.tries()).toBe(CALLBACK_TRIES)
})
