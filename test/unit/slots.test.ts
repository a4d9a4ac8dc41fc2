import { Slots } from '../../proxy/src/pool/slots'

const settled = async <T>(promise: Promise<T>) => await Promise.race([promise.then(() => 'taken', (err: Error) => err), new Promise((resolve) => setImmediate(() => resolve('waiting')))])

describe('Slots', () => {
  test('takes up to its capacity at once, then takers wait in order of arrival', async () => {
    const slots = new Slots(2)
    await slots.take(1000)
    await slots.take(1000)
    const order: number[] = []
    const third = slots.take(1000).then(() => order.push(3))
    const fourth = slots.take(1000).then(() => order.push(4))
    expect(await settled(third)).toBe('waiting')
    expect(slots.waiting).toBe(2)
    slots.give()
    await third
    expect(await settled(fourth)).toBe('waiting')
    slots.give()
    await fourth
    expect(order).toEqual([3, 4])
    expect(slots.taken).toBe(2)
  })

  test('a wait past its timeout is a queue timeout, and the waiter leaves the line', async () => {
    const slots = new Slots(1)
    await slots.take(1000)
    await expect(slots.take(20)).rejects.toMatchObject({ code: 'EXEC_ERR_QUEUE_TIMEOUT', statusCode: 503 })
    expect(slots.waiting).toBe(0)
    slots.give()
    expect(slots.taken).toBe(0)
  })

  test('a newcomer does not pass those already waiting, even when a slot is free at that moment', async () => {
    const slots = new Slots(1)
    await slots.take(1000)
    const first = slots.take(1000)
    slots.give()
    // The freed slot went to the waiter, not to whoever asks next.
    await first
    expect(await settled(slots.take(1000))).toBe('waiting')
  })

  test('resizing lets waiters in at once; closing refuses them', async () => {
    const slots = new Slots(1)
    await slots.take(1000)
    const waiting = slots.take(1000)
    slots.resize(2)
    await waiting
    expect(slots.taken).toBe(2)
    const refused = slots.take(1000)
    slots.close()
    await expect(refused).rejects.toMatchObject({ code: 'EXEC_ERR_SHUTTING_DOWN' })
    await expect(slots.take(1000)).rejects.toMatchObject({ code: 'EXEC_ERR_SHUTTING_DOWN' })
  })
})

test('a size of none or nonsense is ignored: a pool without slots would run nothing', async () => {
  const slots = new Slots(2)
  for (const size of [0, -1, NaN, 1.5]) slots.resize(size)
  expect(slots.capacity).toBe(2)
})
