// The proxy's memory with the largest outputs (issue 14, defect 9): 45 runs at once, each printing the
// most a run may print, through a proxy of 45 runners. Prints the proxy's resident size once filled and
// its peak (VmHWM) after, and writes them to results/memory-<time>.json.
// Usage: npm run bench:memory
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { request } from 'undici'
import { MAX_LIMITS } from '../../runner/src/contract/limits'
import { startProxy } from './proxy-process'

const RUNS = 45
const MiB = 1024 * 1024

function statusKb (pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) : NaN
}

async function main (): Promise<void> {
  const outputBytes = MAX_LIMITS.run.outputBytes
  const proxy = await startProxy({ poolName: 'bench-memory', pool: { min: RUNS, max: RUNS } }, 3900 + Math.floor(Math.random() * 50))
  try {
    const filledKb = statusKb(proxy.pid, 'VmRSS')
    const code = `import sys\nsys.stdout.write("x" * ${outputBytes})`
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: RUNS }, async () => {
      const response = await request(`${proxy.base}/api/v1/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ language: 'python', code, limits: { run: { outputBytes, timeoutMs: 15000 } } })
      })
      const answer = await response.body.json() as { status: string, run?: { stdout: string } }
      return { status: answer.status, printed: answer.run?.stdout.length ?? 0 }
    }))
    const seconds = (performance.now() - started) / 1000
    const peakKb = statusKb(proxy.pid, 'VmHWM')
    const ok = answers.filter((answer) => answer.status === 'ok' && answer.printed === outputBytes).length
    const result = {
      at: new Date().toISOString(), runs: RUNS, outputBytesEach: outputBytes, ok, seconds: Math.round(seconds * 10) / 10,
      proxyRssFilledMiB: Math.round(filledKb / 1024), proxyPeakRssMiB: Math.round(peakKb / 1024)
    }
    console.log(`${RUNS} runs printing ${outputBytes / MiB} MiB each at once: ${ok} ok in ${result.seconds} s; ` +
      `proxy resident ${result.proxyRssFilledMiB} MiB once filled, peak ${result.proxyPeakRssMiB} MiB`)
    const dir = resolve(__dirname, '../../../bench/results')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `memory-${result.at.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2) + '\n')
  } finally {
    await proxy.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
