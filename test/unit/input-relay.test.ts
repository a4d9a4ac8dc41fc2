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
})
