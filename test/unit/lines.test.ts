import { LineSplitter } from '../../runner/src/contract/lines'

describe('LineSplitter', () => {
  test('cuts chunks into lines, joining a character and a line split across chunks, and keeps the rest', () => {
    const lines: string[] = []
    const splitter = new LineSplitter((line) => lines.push(line))
    const text = Buffer.from('one\ntw\u00e9\nthree')
    // Cut inside the two bytes of the é, and inside "two".
    const cut = text.indexOf(0xc3) + 1
    splitter.write(text.subarray(0, 6))
    splitter.write(text.subarray(6, cut))
    expect(lines).toEqual(['one'])
    expect(splitter.pending).toBe(2)
    splitter.write(text.subarray(cut))
    expect(lines).toEqual(['one', 'tw\u00e9'])
    expect(splitter.rest()).toBe('three')
  })
})
