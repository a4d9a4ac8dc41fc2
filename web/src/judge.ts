// The judge view's table of tests: each row an input and its expected output, added and removed by the
// person, and given its verdict and time as the submission's `test` events arrive.

export interface TestCase { stdin: string, expectedOutput: string }

/** What a `test` event tells of one test (the judge's TestReport, in part). */
export interface TestOutcome {
  verdict: string
  cpuMs: number
  wallMs: number
  checker: string | null
}

/** The table always has a row at least: a new table starts with an empty one, and the last one removed is replaced. */
export class TestTable {
  constructor (private readonly body: HTMLTableSectionElement) {
    this.add()
  }

  /** The tests as the table holds them now, in order. */
  get tests (): TestCase[] {
    return [...this.body.rows].map((row) => ({
      stdin: (row.querySelector('.test-input') as HTMLTextAreaElement).value,
      expectedOutput: (row.querySelector('.test-expected') as HTMLTextAreaElement).value
    }))
  }

  /** Replaces every row with `tests` (none: one empty row). */
  set tests (tests: TestCase[]) {
    this.body.replaceChildren()
    for (const test of tests.length > 0 ? tests : [{ stdin: '', expectedOutput: '' }]) this.add(test)
  }

  add (test: TestCase = { stdin: '', expectedOutput: '' }): HTMLTableRowElement {
    const row = this.body.insertRow()
    const number = row.insertCell()
    number.className = 'test-number'
    const field = (className: string, value: string) => {
      const area = document.createElement('textarea')
      area.className = className
      area.rows = 2
      area.spellcheck = false
      area.value = value
      row.insertCell().append(area)
      return area
    }
    field('test-input', test.stdin)
    field('test-expected', test.expectedOutput)
    const verdict = row.insertCell()
    verdict.className = 'test-verdict'
    verdict.setAttribute('aria-live', 'polite')
    const remove = document.createElement('button')
    remove.type = 'button'
    remove.className = 'test-remove'
    remove.textContent = '✕'
    remove.addEventListener('click', () => {
      const next = (row.nextElementSibling ?? row.previousElementSibling) as HTMLTableRowElement | null
      row.remove()
      if (this.body.rows.length === 0) this.add()
      this.renumber()
      ;((next ?? this.body.rows[0])?.querySelector('textarea') as HTMLTextAreaElement | null)?.focus()
    })
    row.insertCell().append(remove)
    this.renumber()
    return row
  }

  /** Empties every verdict cell, before a judge run. */
  clearVerdicts (): void {
    for (const row of this.body.rows) this.mark(row, undefined, [])
  }

  /** Row `index`'s verdict and time (and, when it failed, the checker's word on why), from its `test` event. */
  show (index: number, outcome: TestOutcome): void {
    const row = this.body.rows[index]
    if (!row) return
    // A skipped test has no time of its own: only why it was skipped, when the judge says.
    const lines = outcome.verdict === 'skipped' ? [] : [`${outcome.cpuMs} ms CPU · ${outcome.wallMs} ms`]
    if (outcome.checker && outcome.verdict !== 'accepted') lines.push(outcome.checker)
    this.mark(row, outcome.verdict, lines)
  }

  private mark (row: HTMLTableRowElement, verdict: string | undefined, lines: string[]): void {
    const cell = row.cells[3]
    cell.replaceChildren()
    row.classList.toggle('accepted', verdict === 'accepted')
    row.classList.toggle('failed', verdict !== undefined && verdict !== 'accepted')
    if (verdict === undefined) return
    const name = document.createElement('strong')
    name.textContent = verdict.replace(/_/g, ' ')
    cell.append(name)
    for (const line of lines) {
      const small = document.createElement('small')
      small.textContent = line
      cell.append(small)
    }
  }

  private renumber (): void {
    for (const [index, row] of [...this.body.rows].entries()) {
      row.cells[0].textContent = String(index + 1)
      ;(row.querySelector('.test-input') as HTMLTextAreaElement).setAttribute('aria-label', `Test ${index + 1} input`)
      ;(row.querySelector('.test-expected') as HTMLTextAreaElement).setAttribute('aria-label', `Test ${index + 1} expected output`)
      ;(row.querySelector('.test-remove') as HTMLButtonElement).setAttribute('aria-label', `Remove test ${index + 1}`)
    }
  }
}
