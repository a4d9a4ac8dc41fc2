import { isVersionRange, versionSatisfies } from '../../proxy/src/versions'

describe('which toolchain versions a request may ask for', () => {
  test.each([
    [undefined, '3.11.2', true],
    ['*', '3.11.2', true],
    ['3.11.2', '3.11.2', true],
    ['3', '3.11.2', true],
    ['3.11', '3.11.2', true],
    ['3.x', '3.11.2', true],
    ['^3.10', '3.11.2', true],
    ['>=3.12', '3.11.2', false],
    ['2', '3.11.2', false],
    ['3.10', '3.11.2', false],
    ['25', '25', true],
    ['>=24', '25', true],
    ['6.8.0.105', '6.8.0.105', true],
    ['6.8', '6.8.0.105', true],
    ['7', '6.8.0.105', false],
    ['1', 'unknown', false]
  ])('%s against %s: %s', (wanted, have, accepted) => {
    expect(versionSatisfies(wanted, have)).toBe(accepted)
  })

  test('a range must parse', () => {
    expect(isVersionRange('*')).toBe(true)
    expect(isVersionRange('^3.10')).toBe(true)
    expect(isVersionRange('latest')).toBe(false)
    expect(isVersionRange('3..1')).toBe(false)
  })
})
