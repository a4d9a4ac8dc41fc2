// How the proxy hands a job to the agent: one JSON line with everything but stdin, then stdin's raw bytes.
// stdin is the one part that can be large (megabytes); as raw bytes it is never JSON-escaped, parsed,
// decoded or encoded again on its way from the proxy to the program: the agent passes its buffers on.

/** The content type of an agent's POST /execute body. */
export const JOB_CONTENT_TYPE = 'application/x-codeexec-job'

/** The body for `header` (a job without stdin) and `stdin`. JSON.stringify escapes newlines, so the first one ends the header. */
export function encodeJob (header: object, stdin: string | Buffer): Buffer {
  const line = JSON.stringify(header) + '\n'
  const lineBytes = Buffer.byteLength(line)
  const body = Buffer.allocUnsafe(lineBytes + (typeof stdin === 'string' ? Buffer.byteLength(stdin) : stdin.length))
  body.write(line, 0)
  // Encoded straight into place: a megabyte of stdin is copied once here.
  if (typeof stdin === 'string') body.write(stdin, lineBytes)
  else stdin.copy(body, lineBytes)
  return body
}

/** Splits a body as it arrived in chunks into its header line and stdin's chunks; null when there is no newline. */
export function decodeJob (chunks: Buffer[]): { header: string, stdin: Buffer[] } | null {
  for (let i = 0; i < chunks.length; i++) {
    const newline = chunks[i].indexOf(10)
    if (newline < 0) continue
    const header = Buffer.concat([...chunks.slice(0, i), chunks[i].subarray(0, newline)]).toString('utf8')
    const rest = chunks[i].subarray(newline + 1)
    return { header, stdin: [...(rest.length > 0 ? [rest] : []), ...chunks.slice(i + 1)] }
  }
  return null
}
