// How a run or a judge ended, as the status line says it.

export interface Stage {
  exitCode: number | null, signal: string | null, wallMs: number, cpuMs?: number, memoryBytes?: number, stdout?: string, stderr?: string
}

/** A run's result, or a judge's answer (with `verdict`, `tests` and `summary` instead of `status` and `run`). */
export interface Result {
  status?: string
  verdict?: string
  message?: string
  compile: Stage | null
  run?: Stage | null
  summary?: { passed: number, total: number, maxCpuMs: number, maxWallMs: number }
}

/** Whether the program did what it should: ran to exit 0, or passed every test. */
export function succeeded (result: Result): boolean {
  return result.verdict !== undefined ? result.verdict === 'accepted' : result.status === 'ok'
}

/** One line: a run's status, exit code or signal, and what it took; a judge's verdict and the tests passed. */
export function summary (result: Result): string {
  const parts: string[] = []
  if (result.verdict !== undefined) {
    parts.push(result.verdict)
    if (result.summary && result.summary.total > 0 && result.verdict !== 'compile_error' && result.verdict !== 'internal_error') {
      const { passed, total, maxCpuMs, maxWallMs } = result.summary
      parts.push(`${passed} of ${total} passed`, `at most ${maxCpuMs} ms CPU`, `${maxWallMs} ms`)
    }
  } else {
    parts.push(result.status ?? 'unknown')
    const stage = result.run ?? result.compile
    if (stage) {
      parts.push(stage.signal ? `signal ${stage.signal}` : `exit ${stage.exitCode}`)
      if (stage.cpuMs !== undefined) parts.push(`${stage.cpuMs} ms CPU`)
      parts.push(`${stage.wallMs} ms`)
      if (stage.memoryBytes) parts.push(`${(stage.memoryBytes / 1048576).toFixed(1)} MiB`)
    }
  }
  if (result.message) parts.push(result.message)
  return parts.join(' · ')
}
