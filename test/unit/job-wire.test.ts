import { decodeJob, encodeJob } from '../../runner/src/contract/job-wire'

const split = (body: Buffer, at: number[]) => [0, ...at].map((start, i) => body.subarray(start, [...at, body.length][i]))

describe('the job on the wire from proxy to agent', () => {
  const header = { language: 'python', code: 'print("a\\nb")\nprint(2)', args: ['x\ny'] }
  const stdin = 'line one\nline two\n\u00e9\ud83d\ude00'

  test('the header is one line even when the code and args hold newlines, and stdin follows as raw bytes', () => {
    const body = encodeJob(header, stdin)
    const newline = body.indexOf(10)
    expect(JSON.parse(body.subarray(0, newline).toString())).toEqual(header)
    expect(body.subarray(newline + 1)).toEqual(Buffer.from(stdin))
  })

  test.each([
    ['one chunk', []],
    ['the header split in two', [5]],
    ['the newline at the end of a chunk', [-1]],
    ['the newline at the start of a chunk', [0]],
    ['stdin in many chunks', [3, 40, 50, 60]]
  ])('decodes what it encoded, arriving as %s', (_name, cuts) => {
    const body = encodeJob(header, stdin)
    const newline = body.indexOf(10)
    const at = cuts.map((cut) => cut === -1 ? newline + 1 : cut === 0 ? newline : cut)
    const decoded = decodeJob(split(body, at).filter((chunk) => chunk.length > 0))
    expect(decoded).not.toBeNull()
    expect(JSON.parse(decoded!.header)).toEqual(header)
    expect(Buffer.concat(decoded!.stdin).toString()).toBe(stdin)
  })

  test('empty stdin is no chunk at all, and a body without a newline is no job', () => {
    expect(decodeJob([encodeJob(header, '')])!.stdin).toEqual([])
    expect(decodeJob([Buffer.from('{"language":"python"}')])).toBeNull()
  })
})
