import { StringDecoder } from 'node:string_decoder'
import type { JobOutcome, StageOutcome } from './job'
import type { OutputChunk } from './sandbox'

// A job's result is written out as JSON a piece at a time, straight from the output's bytes: the agent
// never holds a stage's output as one string, nor the whole answer as one string or buffer. A program may
// print up to outputBytes on each stream (16 MiB by default at most), and one string of it, its JSON and
// that JSON's UTF-8 would be several times that (0xFF bytes decode to U+FFFD, three bytes each): more
// than the agent's memory reserve. Held this way the agent needs the output's own bytes and little more.

/** Where the JSON goes: resolves once the text is taken (a stream's backpressure respected). */
export type TextSink = (text: string) => Promise<void>

/** A writable stream (a response, a socket) as a TextSink that waits for 'drain' when it is full. */
export function streamSink (stream: NodeJS.WritableStream & { destroyed?: boolean, writableEnded?: boolean }): TextSink {
  return (text) => new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve()
    if (stream.write(text)) return resolve()
    const done = () => {
      stream.removeListener('drain', done)
      stream.removeListener('close', done)
      stream.removeListener('error', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
    stream.once('error', done)
  })
}

// Pieces are gathered to about this many characters before they are written.
const PIECE_CHARS = 64 * 1024

/** How a result is written: with each stage's interleaved `output` (Piston's), with output as base64 (Judge0's). */
export interface ResultShape {
  interleaved: boolean
  base64: boolean
}

/** The chunks of `stream` (or of both, in order, when null) as a JSON string of their base64, a read at a time. */
async function writeBase64 (sink: TextSink, chunks: OutputChunk[], stream: 'stdout' | 'stderr' | null): Promise<void> {
  let held = Buffer.alloc(0)
  await sink('"')
  for (const chunk of chunks) {
    if (stream !== null && chunk.stream !== stream) continue
    const bytes = held.length > 0 ? Buffer.concat([held, chunk.data]) : chunk.data
    // Whole groups of three bytes now; the rest waits for the next read, so the pieces join as one base64.
    const whole = bytes.length - (bytes.length % 3)
    if (whole > 0) await sink(bytes.subarray(0, whole).toString('base64'))
    held = Buffer.from(bytes.subarray(whole))
  }
  await sink(held.toString('base64') + '"')
}

/** The chunks of `stream` (or of both, in order, when null) as a JSON string, a read at a time. */
async function writeString (sink: TextSink, chunks: OutputChunk[], stream: 'stdout' | 'stderr' | null): Promise<void> {
  const decoder = new StringDecoder('utf8')
  await sink('"')
  for (const chunk of chunks) {
    if (stream !== null && chunk.stream !== stream) continue
    const text = decoder.write(chunk.data)
    if (text !== '') await sink(JSON.stringify(text).slice(1, -1))
  }
  const rest = decoder.end()
  await sink((rest === '' ? '' : JSON.stringify(rest).slice(1, -1)) + '"')
}

async function writeStage (sink: TextSink, stage: StageOutcome, shape: ResultShape): Promise<void> {
  const { chunks, ...fields } = stage
  const write = shape.base64 ? writeBase64 : writeString
  await sink(JSON.stringify(shape.base64 ? { ...fields, encoding: 'base64' } : fields).slice(0, -1) + ',"stdout":')
  await write(sink, chunks, 'stdout')
  await sink(',"stderr":')
  await write(sink, chunks, 'stderr')
  if (shape.interleaved) {
    await sink(',"output":')
    await write(sink, chunks, null)
  }
  await sink('}')
}

/** Gathers small pieces into writes of about PIECE_CHARS: a small result goes out in one write. */
function gathering (sink: TextSink): { sink: TextSink, flush: () => Promise<void> } {
  let pending = ''
  return {
    sink: async (text) => {
      pending += text
      if (pending.length >= PIECE_CHARS) {
        const piece = pending
        pending = ''
        await sink(piece)
      }
    },
    flush: async () => {
      if (pending !== '') await sink(pending)
      pending = ''
    }
  }
}

/**
 * Writes `result` as the JSON object the proxy reads (job.ts's JobResult), `prefix` first (NDJSON's
 * `"type":"result",`, say) and `suffix` after it, in `shape`.
 */
export async function writeResult (target: TextSink, result: JobOutcome, shape: ResultShape, prefix = '', suffix = ''): Promise<void> {
  const { sink, flush } = gathering(target)
  await writeFields(sink, result, shape, prefix)
  await sink('}' + suffix)
  await flush()
}

async function writeFields (sink: TextSink, result: JobOutcome, shape: ResultShape, prefix: string): Promise<void> {
  const { compile, run, ...fields } = result
  await sink('{' + prefix + JSON.stringify(fields).slice(1, -1) + ',"compile":')
  if (compile) await writeStage(sink, compile, shape)
  else await sink('null')
  await sink(',"run":')
  if (run) await writeStage(sink, run, shape)
  else await sink('null')
}
