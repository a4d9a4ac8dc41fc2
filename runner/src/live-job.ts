import { StringDecoder } from 'node:string_decoder'
import type { LiveJob } from './job'

/**
 * A live job told as NDJSON lines (runner/src/app.ts answers streamed and interactive jobs so):
 * {"type": "stage", "stage"} as each stage starts; {"type": "output", "stage", "stream", "data"} for each
 * read of the program's output (UTF-8 split across reads is joined first); {"type": "exit", "stage",
 * "status", "exitCode", "signal"} as each stage ends. The job's result follows, as {"type": "result", ...}.
 */
export function ndjsonLiveJob (write: (line: string) => void, interactive = false): LiveJob {
  const decoders = new Map<string, StringDecoder>()
  return {
    interactive,
    onStage: (stage) => write(JSON.stringify({ type: 'stage', stage }) + '\n'),
    onOutput: (stage, stream, chunk) => {
      const key = `${stage} ${stream}`
      let decoder = decoders.get(key)
      if (!decoder) decoders.set(key, decoder = new StringDecoder('utf8'))
      const data = decoder.write(chunk)
      if (data !== '') write(JSON.stringify({ type: 'output', stage, stream, data }) + '\n')
    },
    onExit: (stage, report) => {
      write(JSON.stringify({ type: 'exit', stage, status: report.status, exitCode: report.exitCode, signal: report.signal }) + '\n')
    }
  }
}
