// How a judge compares a test's output with its expected answer (issue 15): the agent judges each test
// as it ends (so that it can stop at the first failure), and the proxy checks a request's checker with it.

import type { JobLimits } from './limits'

/** The comparing checkers' types: with `program`, every checker a judge request may name. */
export const COMPARISON_TYPES = ['exact', 'lines', 'tokens', 'float'] as const

/** A comparing checker, as a judge request names it. */
export type Comparison =
  | { type: 'exact' }
  | { type: 'lines' }
  | { type: 'tokens' }
  | { type: 'float', absolute?: number, relative?: number }

/**
 * A checker program, called as testlib's checkers are: `checker input output answer`, three files. Its
 * exit status is the verdict: 0 accepted, 1 wrong answer, 2 presentation error, anything else (or a
 * crash, or its limits passed) the judge's own failure. What it prints is the test's checker message.
 */
export interface ProgramChecker {
  type: 'program'
  language: string
  code: string
  /** Its compile's and each run's limits, as the proxy resolved them (the agent's defaults without). */
  limits?: JobLimits
}

export type Checker = Comparison | ProgramChecker

/** What a checker says of one test's output. */
export interface CheckResult {
  accepted: boolean
  /** Why, in a line: where the output first differs, or what was accepted. */
  message: string
}

/** The error a `float` checker allows when the request gives neither bound: testlib's rcmp6. */
export const DEFAULT_FLOAT_ERROR = 1e-6

const SHOWN = 64

/** A piece of output as a message shows it: quoted, and cut to a readable length. */
function shown (text: string): string {
  return JSON.stringify(text.length > SHOWN ? `${text.slice(0, SHOWN)}...` : text)
}

const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`

/**
 * Judge0's comparison (isolate_job.rb's strip_output): each line without its trailing whitespace, and
 * without the empty lines (and whitespace) at the end. Leading whitespace and inner empty lines count.
 */
export function judge0Lines (text: string): string[] {
  // Ruby's rstrip: NUL and ASCII whitespace only.
  const lines = text.split('\n').map((line) => line.replace(/[\0\t\n\v\f\r ]+$/, ''))
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Whitespace-separated tokens. */
export function tokensOf (text: string): string[] {
  return text.split(/\s+/).filter((token) => token !== '')
}

/** A token as a number, when the whole of it is one (no hex, no Infinity: a judge's answers are decimals). */
function numberOf (token: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return undefined
  const value = Number(token)
  return Number.isFinite(value) ? value : undefined
}

/** Whether `found` is within `absolute` of `expected`, or within `relative` of its size (testlib's doubleCompare). */
export function closeEnough (expected: number, found: number, absolute: number, relative: number): boolean {
  return Math.abs(expected - found) <= Math.max(absolute, relative * Math.abs(expected))
}

function compareSequences (found: string[], expected: string[], what: 'line' | 'token', equal: (a: string, b: string) => boolean): CheckResult {
  const count = Math.min(found.length, expected.length)
  for (let i = 0; i < count; i++) {
    if (!equal(expected[i], found[i])) {
      return { accepted: false, message: `the ${ordinal(i + 1)} ${what} differs: expected ${shown(expected[i])}, found ${shown(found[i])}` }
    }
  }
  if (found.length !== expected.length) {
    return { accepted: false, message: `expected ${expected.length} ${what}s, found ${found.length}` }
  }
  return { accepted: true, message: `${expected.length} ${what}s` }
}

/** One test's output against its expected answer, as `comparison` compares them. */
export function compareOutput (comparison: Comparison, output: string, expected: string): CheckResult {
  switch (comparison.type) {
    case 'exact': {
      if (output === expected) return { accepted: true, message: `${Buffer.byteLength(output)} bytes, identical` }
      let at = 0
      while (at < output.length && at < expected.length && output[at] === expected[at]) at++
      return { accepted: false, message: `differs at character ${at + 1}: expected ${shown(expected.slice(at))}, found ${shown(output.slice(at))}` }
    }
    case 'lines':
      return compareSequences(judge0Lines(output), judge0Lines(expected), 'line', (a, b) => a === b)
    case 'tokens':
      return compareSequences(tokensOf(output), tokensOf(expected), 'token', (a, b) => a === b)
    case 'float': {
      const given = comparison.absolute !== undefined || comparison.relative !== undefined
      const absolute = comparison.absolute ?? (given ? 0 : DEFAULT_FLOAT_ERROR)
      const relative = comparison.relative ?? (given ? 0 : DEFAULT_FLOAT_ERROR)
      return compareSequences(tokensOf(output), tokensOf(expected), 'token', (wanted, got) => {
        const a = numberOf(wanted)
        const b = numberOf(got)
        return a !== undefined && b !== undefined ? closeEnough(a, b, absolute, relative) : wanted === got
      })
    }
  }
}
