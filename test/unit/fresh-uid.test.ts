import { freshUid } from '../../proxy/src/pool/docker-provider'

// Issue 14, defect 10: runners' random uids could collide.
describe('a runner program uid', () => {
  test('a drawn uid that another runner has is drawn again', () => {
    const draws = [5, 5, 5, 7]
    const taken = new Set([200005])
    expect(freshUid(taken, () => draws.shift()!)).toBe(200007)
    expect(draws).toEqual([])
  })

  test('45 runners get 45 different uids, even from a draw that repeats itself', () => {
    const taken = new Set<number>()
    let n = 0
    for (let i = 0; i < 45; i++) taken.add(freshUid(taken, () => Math.floor(n++ / 2) % 50))
    expect(taken.size).toBe(45)
  })
})
