import { StringDecoder } from 'node:string_decoder'

/**
 * Text that arrives in chunks, cut into lines: a UTF-8 character split across chunks is joined first, and
 * a long line (a result of tens of megabytes) is joined once from its pieces, not rescanned per chunk.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private parts: string[] = []
  /** Characters of the line begun and not yet ended. */
  pending = 0

  constructor (private readonly onLine: (line: string) => void) {}

  write (chunk: Buffer): void {
    let text = this.decoder.write(chunk)
    let newline
    while ((newline = text.indexOf('\n')) >= 0) {
      this.parts.push(text.slice(0, newline))
      const line = this.parts.join('')
      this.parts = []
      this.pending = 0
      text = text.slice(newline + 1)
      this.onLine(line)
    }
    if (text === '') return
    this.parts.push(text)
    this.pending += text.length
  }

  /** What came after the last newline, once no more comes. */
  rest (): string {
    return this.parts.join('') + this.decoder.end()
  }
}
