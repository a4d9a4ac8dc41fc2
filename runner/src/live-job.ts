import { StringDecoder } from 'node:string_decoder'
import { liveEventLine } from './contract/live-events'
import type { LiveJob } from './job'

/**
 * A live job told as NDJSON lines, contract/live-events.ts's (app.ts answers streamed and interactive
 * jobs so); UTF-8 split across reads of the output is joined first. The job's result line follows.
 */
export function ndjsonLiveJob (write: (line: string) => void, interactive = false): LiveJob {
  const decoders = new Map<string, StringDecoder>()
  return {
    interactive,
    onStage: (stage) => write(liveEventLine({ type: 'stage', stage })),
    onOutput: (stage, stream, chunk) => {
      const key = `${stage} ${stream}`
      let decoder = decoders.get(key)
      if (!decoder) decoders.set(key, decoder = new StringDecoder('utf8'))
      const data = decoder.write(chunk)
      if (data !== '') write(liveEventLine({ type: 'output', stage, stream, data }))
    },
    onTest: (index, test) => write(liveEventLine({ type: 'test', index, test })),
    onExit: (stage, report) => {
      write(liveEventLine({ type: 'exit', stage, status: report.status, exitCode: report.exitCode, signal: report.signal }))
    }
  }
}
