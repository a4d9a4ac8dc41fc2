import { PAUSED_PING_MS, SharedPause } from '../../proxy/src/interactive-input'
import { InputRelay, type RelaySink } from '../../runner/src/contract/input-relay'

function client () {
  const calls: string[] = []
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') }
}

function sink (room: () => boolean) {
  const written: string[] = []
  let drain: (() => void) | undefined
  const target: RelaySink = {
    write: (parts) => { written.push(Buffer.concat(parts).toString()); return room() },
    drained: (listener) => { drain = listener }
  }
  return { written, target, drain: () => drain?.() }
}

describe('InputRelay', () => {
  test('holds input until opened, then sends it first and in order', () => {
    const relay = new InputRelay(client())
    relay.send([Buffer.from('a')])
    relay.send([Buffer.from('b'), Buffer.from('c')])
    const out = sink(() => true)
    relay.open(out.target)
    relay.send([Buffer.from('d')])
    expect(out.written).toEqual(['a', 'bc', 'd'])
  })

  test('pauses the client past a megabyte held, and resumes it once open', () => {
    const from = client()
    const relay = new InputRelay(from)
    relay.send([Buffer.alloc(600 * 1024)])
    expect(from.calls).toEqual([])
    relay.send([Buffer.alloc(600 * 1024)])
    expect(from.calls).toEqual(['pause'])
    relay.open(sink(() => true).target)
    expect(from.calls).toEqual(['pause', 'resume'])
  })

  test('pauses the client while the sink is full, until it drains', () => {
    const from = client()
    const relay = new InputRelay(from)
    let room = false
    const out = sink(() => room)
    relay.open(out.target)
    relay.send([Buffer.from('x')])
    expect(from.calls).toEqual(['pause'])
    room = true
    out.drain()
    expect(from.calls).toEqual(['pause', 'resume'])
  })

  test('abandoned before it opens: only the last word reaches the program, as soon as it exists', () => {
    const relay = new InputRelay(client())
    relay.send([Buffer.from('stdin')])
    relay.abandon([Buffer.from('kill')])
    expect(relay.abandoned).toBe(true)
    const out = sink(() => true)
    relay.open(out.target)
    expect(out.written).toEqual(['kill'])
  })

  test('abandoned while open: the last word goes at once; closed: nothing more goes', () => {
    const relay = new InputRelay(client())
    const out = sink(() => true)
    relay.open(out.target)
    relay.abandon([Buffer.from('kill')])
    relay.close()
    relay.send([Buffer.from('late')])
    expect(out.written).toEqual(['kill'])
  })

  // Issue 14, defect 8: the kill goes out of band, told by the relay when its client leaves.
  test('whenAbandoned hears the client leave, at once if it has left, and never once the relay is closed', () => {
    const heard: string[] = []
    const relay = new InputRelay(client())
    relay.whenAbandoned(() => heard.push('first'))
    relay.abandon([])
    const late = new InputRelay(client())
    late.abandon([])
    late.whenAbandoned(() => heard.push('late'))
    const closed = new InputRelay(client())
    closed.whenAbandoned(() => heard.push('closed'))
    closed.close()
    closed.abandon([])
    expect(heard).toEqual(['first', 'late'])
  })

  // Issue 14, defect 2: a full sink asked for a drain listener on every write that found it full.
  test('one drain listener however many writes find the sink full', () => {
    const relay = new InputRelay(client())
    let listeners = 0
    relay.open({ write: () => false, drained: () => { listeners++ } })
    for (let i = 0; i < 100; i++) relay.send([Buffer.from('x')])
    expect(listeners).toBe(1)
  })
})

// Issue 14, defect 2: two interactive runs on one socket shared its pause but kept a flag each, so one
// run's resume let the socket flood the other.
describe('SharedPause', () => {
  test('the socket stays paused while any relay holds it, and resumes once none does', () => {
    const socket = client()
    const shared = new SharedPause(socket)
    const drains: Array<() => void> = []
    const fullSink = (): RelaySink => ({ write: () => false, drained: (listener) => { drains.push(listener) } })
    const first = new InputRelay(shared.handle())
    const second = new InputRelay(shared.handle())
    first.open(fullSink())
    second.open(fullSink())
    first.send([Buffer.from('a')])
    second.send([Buffer.from('b')])
    expect(socket.calls).toEqual(['pause'])
    drains[0]()
    expect(socket.calls).toEqual(['pause'])
    drains[1]()
    expect(socket.calls).toEqual(['pause', 'resume'])
  })

  // Issue 14, defect 8: a paused socket is not read, so its client's leaving went unheard.
  test('a paused client is pinged, to hear it leave; not once it is resumed', () => {
    jest.useFakeTimers()
    try {
      let pings = 0
      const shared = new SharedPause({ ...client(), ping: () => { pings++ } })
      const handle = shared.handle()
      handle.pause()
      jest.advanceTimersByTime(PAUSED_PING_MS * 3)
      expect(pings).toBe(3)
      handle.resume()
      jest.advanceTimersByTime(PAUSED_PING_MS * 3)
      expect(pings).toBe(3)
    } finally {
      jest.useRealTimers()
    }
  })

  test('a relay closed while holding the pause lets go of it', () => {
    const socket = client()
    const shared = new SharedPause(socket)
    const relay = new InputRelay(shared.handle())
    relay.send([Buffer.alloc(2 << 20)])
    relay.close()
    expect(socket.calls).toEqual(['pause', 'resume'])
  })
})
