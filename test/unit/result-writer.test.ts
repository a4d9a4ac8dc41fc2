import type { JobOutcome, StageOutcome } from '../../runner/src/job'
import { writeResult } from '../../runner/src/result-writer'
import type { OutputChunk } from '../../runner/src/sandbox'

// The agent writes a result's JSON in pieces from the output's bytes (issue 12): the text must be exactly
// what JSON.stringify gives for the output decoded whole.

function stage (chunks: OutputChunk[]): StageOutcome {
  return { chunks, exitCode: 0, signal: null, wallMs: 1.5, cpuMs: 1, memoryBytes: 4096, truncated: null, status: 'ok' }
}

async function written (result: JobOutcome, interleaved: boolean, prefix = '', suffix = '', base64 = false): Promise<{ text: string, writes: number }> {
  let text = ''
  let writes = 0
  await writeResult(async (piece) => { text += piece; writes++ }, result, { interleaved, base64 }, prefix, suffix)
  return { text, writes }
}

const decoded = (chunks: OutputChunk[], stream?: 'stdout' | 'stderr') =>
  Buffer.concat(chunks.filter((chunk) => stream === undefined || chunk.stream === stream).map((chunk) => chunk.data)).toString('utf8')

describe('a result written in pieces', () => {
  const euro = Buffer.from('€', 'utf8')
  const chunks: OutputChunk[] = [
    { stream: 'stdout', data: Buffer.from('a "quoted"\n\\ and\ttab ') },
    // A character split across two reads, and bytes that are not UTF-8 at all.
    { stream: 'stdout', data: euro.subarray(0, 1) },
    { stream: 'stderr', data: Buffer.from([0xff, 0xfe, 0x00, 0x01]) },
    { stream: 'stdout', data: euro.subarray(1) },
    { stream: 'stderr', data: Buffer.from([0xc3]) }
  ]
  const result: JobOutcome = {
    language: 'c', version: '12', status: 'ok', compile: null, run: stage(chunks), runnerMs: 3.25, clean: true, problems: ['x']
  }

  test('is the JSON of the output decoded whole', async () => {
    const { text } = await written(result, false)
    const { compile, run, ...rest } = result
    const { chunks: _chunks, ...fields } = run!
    expect(JSON.parse(text)).toEqual({ ...rest, compile: null, run: { ...fields, stdout: decoded(chunks, 'stdout'), stderr: decoded(chunks, 'stderr') } })
    expect(JSON.parse(text).run.stdout).toBe('a "quoted"\n\\ and\ttab €')
  })

  test('with interleaved, each stage also has its output in the order it was read', async () => {
    const { text } = await written(result, true, '"type":"result",', '\n')
    expect(text.endsWith('}\n')).toBe(true)
    const parsed = JSON.parse(text)
    expect(parsed.type).toBe('result')
    // Read in this order, the split character is interrupted by stderr's bytes: each is decoded as it came.
    expect(parsed.run.output).toBe(decoded(chunks))
  })

  test('megabytes of output go out in pieces of about 64 KiB, never as one string', async () => {
    const big: OutputChunk[] = Array.from({ length: 64 }, () => ({ stream: 'stdout' as const, data: Buffer.alloc(64 * 1024, 0xff) }))
    const { text, writes } = await written({ ...result, run: stage(big) }, false)
    expect(JSON.parse(text).run.stdout).toBe('\uFFFD'.repeat(64 * 64 * 1024))
    expect(writes).toBeGreaterThan(60)
  })

  test('with base64, each stream is the base64 of its bytes, raw, however the reads split them', async () => {
    const raw = (stream?: 'stdout' | 'stderr') =>
      Buffer.concat(chunks.filter((chunk) => stream === undefined || chunk.stream === stream).map((chunk) => chunk.data))
    const { text } = await written(result, true, '', '', true)
    const parsed = JSON.parse(text)
    expect(parsed.run.encoding).toBe('base64')
    expect(Buffer.from(parsed.run.stdout, 'base64').equals(raw('stdout'))).toBe(true)
    expect(Buffer.from(parsed.run.stderr, 'base64').equals(raw('stderr'))).toBe(true)
    expect(Buffer.from(parsed.run.output, 'base64').equals(raw())).toBe(true)
    expect(parsed.run.stdout).toBe(raw('stdout').toString('base64'))
  })
})
