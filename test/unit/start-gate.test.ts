import { StartGate } from '../../proxy/src/pool/start-gate'

// Runner starts paced while they fail (issue 12: a missing image cost 585 attempts in 46 s).
describe('the start gate', () => {
  test('while starts fail, 20 waiting starts make one attempt at a time, each after a growing delay', async () => {
    const gate = new StartGate(10, 40)
    const times: number[] = []
    let failing = true
    let inFlight = 0
    let most = 0
    const attempt = async () => {
      inFlight++
      most = Math.max(most, inFlight)
      times.push(Date.now())
      await new Promise((resolve) => setTimeout(resolve, 1))
      inFlight--
      if (failing) throw new Error('no such image')
      return 'runner'
    }
    // One failure first, then 20 starts keep trying until they succeed.
    await expect(gate.run(attempt)).rejects.toThrow('no such image')
    const starts = Array.from({ length: 20 }, async () => {
      for (;;) {
        try {
          return await gate.run(attempt)
        } catch {}
      }
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const attemptsWhileFailing = times.length
    expect(most).toBe(1)
    // At most 300 ms / the delay: the delay grows from 10 to 40 ms.
    expect(attemptsWhileFailing).toBeLessThanOrEqual(12)
    expect(gate.delayMs).toBe(40)
    failing = false
    expect(await Promise.all(starts)).toEqual(Array(20).fill('runner'))
    expect(gate.delayMs).toBe(0)
  })

  test('while starts succeed, they run in parallel', async () => {
    const gate = new StartGate()
    let inFlight = 0
    let most = 0
    const attempt = async () => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 20))
      inFlight--
      return 1
    }
    await Promise.all(Array.from({ length: 10 }, () => gate.run(attempt)))
    expect(most).toBe(10)
  })

  test('a wait is cut short when its signal aborts', async () => {
    const gate = new StartGate(60000, 60000)
    await expect(gate.run(async () => { throw new Error('down') })).rejects.toThrow('down')
    const controller = new AbortController()
    const waiting = gate.run(async () => 'never', controller.signal)
    controller.abort()
    await expect(waiting).rejects.toThrow(/abort/i)
  })
})
