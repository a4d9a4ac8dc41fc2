import { rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * A unix socket that passes everything to the real engine's, and can be cut: while it is down the
 * engine is away for whoever talks through it (connects fail, open streams end), as in an engine
 * restart, while the real engine stays up for everything else.
 */
export class EngineLink {
  private server?: Server
  private readonly sockets = new Set<Socket>()

  constructor (readonly path: string, private readonly engine = '/var/run/docker.sock') {}

  async up (): Promise<void> {
    if (this.server) return
    rmSync(this.path, { force: true })
    const server = createServer((client) => {
      const engine = createConnection(this.engine)
      for (const socket of [client, engine]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => {})
      }
      client.pipe(engine).pipe(client)
    })
    this.server = server
    await new Promise<void>((resolve) => server.listen(this.path, resolve))
  }

  async down (): Promise<void> {
    const server = this.server
    this.server = undefined
    for (const socket of this.sockets) socket.destroy()
    if (server) await new Promise((resolve) => server.close(resolve))
    rmSync(this.path, { force: true })
  }
}
