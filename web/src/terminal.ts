// The terminal of an interactive run (xterm.js). The program's stdin is a pipe, not a terminal, so the
// page does what a terminal's line discipline would: it echoes what is typed, lets Backspace mend the
// line, sends it on Enter, and sends end of input on Ctrl+D.
import { Terminal } from '@xterm/xterm'

export interface TerminalLink {
  /** A line typed, with its newline, or what was typed before Ctrl+D. */
  input: (data: string) => void
  eof: () => void
}

export class RunTerminal {
  private readonly terminal = new Terminal({ convertEol: true, cursorBlink: true, rows: 12, fontFamily: 'ui-monospace, monospace' })
  private line = ''
  private link?: TerminalLink

  constructor (parent: HTMLElement) {
    this.terminal.open(parent)
    this.terminal.onData((data) => this.typed(data))
  }

  /** Clears the screen and takes what is typed for this run. */
  start (link: TerminalLink): void {
    this.terminal.reset()
    this.line = ''
    this.link = link
    this.terminal.focus()
  }

  stop (): void {
    this.link = undefined
  }

  write (data: string, isError: boolean): void {
    this.terminal.write(isError ? `\x1b[31m${data}\x1b[0m` : data)
  }

  private typed (data: string): void {
    if (!this.link) return
    for (const char of data) {
      if (char === '\r') {
        this.terminal.write('\r\n')
        this.link.input(`${this.line}\n`)
        this.line = ''
      } else if (char === '\x7f') {
        if (this.line.length === 0) continue
        this.line = this.line.slice(0, -1)
        this.terminal.write('\b \b')
      } else if (char === '\x04') {
        if (this.line.length > 0) this.link.input(this.line)
        this.line = ''
        this.link.eof()
      } else if (char >= ' ') {
        this.line += char
        this.terminal.write(char)
      }
    }
  }
}
