import WebSocket from 'ws'

// A WebSocket client for the tests of our sockets and Piston's: it keeps every message it hears, in order.

export interface Client {
  socket: WebSocket
  messages: any[]
  /** Resolves with the first message (come or to come) that `match` accepts. */
  next: (match: (message: any) => boolean) => Promise<any>
  closed: Promise<{ code: number, reason: string }>
  send: (message: object) => void
}

export async function open (url: string): Promise<Client> {
  const socket = new WebSocket(url)
  const messages: any[] = []
  const waiters: Array<{ match: (message: any) => boolean, resolve: (message: any) => void }> = []
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString())
    messages.push(message)
    for (const waiter of waiters.filter((w) => w.match(message))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(message)
    }
  })
  const closed = new Promise<{ code: number, reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  return {
    socket,
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    next: (match) => new Promise((resolve) => {
      const found = messages.find(match)
      if (found) resolve(found)
      else waiters.push({ match, resolve })
    })
  }
}
