import { closeEnough, compareOutput, judge0Lines, tokensOf } from '../../runner/src/contract/checkers'

// Issue 15's comparing checkers, as pure functions: each accepts what it should and rejects the rest.
describe('judge checkers', () => {
  test('exact: byte for byte, and the message says where it first differs', () => {
    expect(compareOutput({ type: 'exact' }, '3\n', '3\n').accepted).toBe(true)
    expect(compareOutput({ type: 'exact' }, '3', '3\n')).toEqual({ accepted: false, message: 'differs at character 2: expected "\\n", found ""' })
    expect(compareOutput({ type: 'exact' }, '3 \n', '3\n').accepted).toBe(false)
  })

  test("lines: Judge0's comparison, trailing whitespace of each line and trailing empty lines ignored", () => {
    expect(judge0Lines('a  \r\nb\t\n\n\n')).toEqual(['a', 'b'])
    expect(compareOutput({ type: 'lines' }, 'a  \r\nb\t\n\n', 'a\nb').accepted).toBe(true)
    // Leading whitespace and inner empty lines count, as they do in Judge0.
    expect(compareOutput({ type: 'lines' }, ' a\nb\n', 'a\nb\n')).toEqual({ accepted: false, message: 'the 1st line differs: expected "a", found " a"' })
    expect(compareOutput({ type: 'lines' }, 'a\n\nb\n', 'a\nb\n').accepted).toBe(false)
    expect(compareOutput({ type: 'lines' }, 'a\nb\nc\n', 'a\nb\n')).toEqual({ accepted: false, message: 'expected 2 lines, found 3' })
    expect(compareOutput({ type: 'lines' }, '', '\n\n').accepted).toBe(true)
  })

  test('tokens: whitespace-separated, however laid out', () => {
    expect(tokensOf('  1 2\n\t3  ')).toEqual(['1', '2', '3'])
    expect(compareOutput({ type: 'tokens' }, '1\n2   3\n', '1 2 3').accepted).toBe(true)
    expect(compareOutput({ type: 'tokens' }, '1 2 4', '1 2 3')).toEqual({ accepted: false, message: 'the 3rd token differs: expected "3", found "4"' })
    expect(compareOutput({ type: 'tokens' }, '1 2', '1 2 3').accepted).toBe(false)
  })

  test('float: numbers within the absolute or relative error, other tokens exactly', () => {
    expect(compareOutput({ type: 'float' }, '0.3333333 yes', '0.333333333 yes').accepted).toBe(true)
    expect(compareOutput({ type: 'float' }, '0.3334', '0.3333333').accepted).toBe(false)
    expect(compareOutput({ type: 'float', absolute: 0.01 }, '3.145', '3.14159').accepted).toBe(true)
    expect(compareOutput({ type: 'float', absolute: 0.001 }, '3.145', '3.14159').accepted).toBe(false)
    expect(compareOutput({ type: 'float', relative: 0.01 }, '1005000', '1000000').accepted).toBe(true)
    expect(compareOutput({ type: 'float', relative: 0.001 }, '1005000', '1000000').accepted).toBe(false)
    expect(compareOutput({ type: 'float' }, '1e3 NO', '1000 no').message).toBe('the 2nd token differs: expected "no", found "NO"')
    // Not numbers in the decimal sense: compared as text.
    expect(compareOutput({ type: 'float' }, '0x10', '16').accepted).toBe(false)
    expect(compareOutput({ type: 'float' }, 'nan', 'nan').accepted).toBe(true)
    expect(closeEnough(100, 100.5, 0, 0.01)).toBe(true)
    expect(closeEnough(0, 1e-7, 1e-6, 0)).toBe(true)
  })

  test('messages cut long tokens and lines', () => {
    const { message } = compareOutput({ type: 'lines' }, 'x'.repeat(500), 'y')
    expect(message.length).toBeLessThan(120)
    expect(message).toMatch(/\.\.\."$/)
  })
})
