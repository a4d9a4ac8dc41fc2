// npm run bench [-- --quick]: floor (the programs run directly on the host), warm (the proxy with a pool of
// 45 recycled runners) and cold (a container per request), one scenario at a time, on loopback only.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import Docker from 'dockerode'
import { POOL_LABEL } from '../../proxy/src/pool/docker-provider'
import { runFloor, type RunStats } from './floor'
import { imageNodeRoot } from './image-binaries'
import { jobeSustained, type JobeThroughput } from './jobe'
import { judgeAgainstExecutes, type JudgeComparison } from './judge'
import { containerMemoryBytes, startProxy } from './proxy-process'
import { cpuTimeSpread, overloadVerdicts, type CpuSpreadResult, type OverloadResult } from './verdicts'
import { workloads, type Workload } from './workloads'

const quick = process.argv.includes('--quick')
const POOL = 45
const PORT = 3900 + Math.floor(Math.random() * 90)
const MiB = 1024 * 1024
const RUNNER_IMAGE = 'codeexec-runner:latest'

/** Requests per run: bounded in count; c=1 runs fewer of the slow workloads. */
function requestsFor (workload: Workload, concurrency: number, scenario: string): number {
  if (quick) return concurrency === 1 ? 10 : concurrency
  if (scenario === 'cold') return concurrency === 1 ? 15 : 90
  const slow = workload.language !== 'python'
  if (concurrency === 1) return slow ? 40 : 100
  // Eight rounds of the slow programs (node, C) and twenty of python rather than four and ten: with fewer,
  // a run lasted 3 to 10 s and its throughput swung by 10% from run to run.
  return slow ? 8 * concurrency : 20 * concurrency
}

interface Row {
  scenario: 'floor' | 'warm' | 'cold'
  workload: string
  concurrency: number
  requests: number
  rps: number
  p50: number
  p90: number
  p99: number
  errors: number
  non2xx: number
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

function floorRow (workload: Workload, concurrency: number, stats: RunStats): Row {
  return {
    scenario: 'floor',
    workload: workload.name,
    concurrency,
    requests: stats.requests,
    rps: round(stats.requests / (stats.durationMs / 1000)),
    p50: round(percentile(stats.latenciesMs, 0.5)),
    p90: round(percentile(stats.latenciesMs, 0.9)),
    p99: round(percentile(stats.latenciesMs, 0.99)),
    errors: stats.errors,
    non2xx: 0
  }
}

/** One autocannon run against the proxy; every answer's output is checked, and its timings kept. */
async function loadRun (base: string, scenario: 'warm' | 'cold', workload: Workload, concurrency: number, overheads: number[]): Promise<Row> {
  const requests = requestsFor(workload, concurrency, scenario)
  const body = JSON.stringify({
    language: workload.language,
    code: workload.code,
    stdin: workload.stdin
    // The default limits: a job waits for the CPU in the queue (CPU slots), not on its wall clock.
  })
  let wrong = 0
  // autocannon ends a run on its next one-second tick, not at the last answer: throughput is measured
  // to the last answer, or a 3.2 s run would count as 4 s.
  let lastAnswer = 0
  const started = performance.now()
  const result = await autocannon({
    url: base,
    connections: concurrency,
    amount: requests,
    timeout: 120,
    requests: [{
      method: 'POST',
      path: '/api/v1/execute',
      headers: { 'content-type': 'application/json' },
      body,
      onResponse: (status: number, text: string) => {
        lastAnswer = performance.now()
        if (status !== 200) return
        try {
          const answer = JSON.parse(text)
          if (answer.status !== 'ok' || answer.run?.stdout !== workload.expected) wrong++
          else overheads.push(answer.timing.totalMs - answer.timing.runnerMs)
        } catch {
          wrong++
        }
      }
    }]
  } as autocannon.Options)
  const durationMs = (lastAnswer > 0 ? lastAnswer : performance.now()) - started
  return {
    scenario,
    workload: workload.name,
    concurrency,
    requests: result.requests.total,
    rps: round(result.requests.total / (durationMs / 1000)),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + wrong + Math.max(0, requests - result.requests.total),
    non2xx: result.non2xx
  }
}

async function idleMemoryPerRunner (poolName: string): Promise<{ meanMiB: number, maxMiB: number, runners: number }> {
  const docker = new Docker()
  const containers = await docker.listContainers({ filters: { label: [`${POOL_LABEL}=${poolName}`] } })
  const bytes = containers.map((info) => containerMemoryBytes(info.Id)).filter((value): value is number => value !== null)
  const mean = bytes.reduce((sum, value) => sum + value, 0) / Math.max(1, bytes.length)
  return { meanMiB: round(mean / MiB), maxMiB: round(Math.max(...bytes) / MiB), runners: bytes.length }
}

function findRow (rows: Row[], scenario: string, workload: string, concurrency: number): Row | undefined {
  return rows.find((row) => row.scenario === scenario && row.workload === workload && row.concurrency === concurrency)
}

function table (rows: Row[]): string {
  const lines = [
    '| scenario | workload | conc. | requests | req/s | p50 ms | p90 ms | p99 ms | errors | non-2xx |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const row of rows) {
    const cells = [row.scenario, row.workload, row.concurrency, row.requests, row.rps, row.p50, row.p90, row.p99, row.errors, row.non2xx]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** Targets that are about wrong answers, not timings: a quick run judges them too. */
const judgedWhenQuick = (target: string) => target.startsWith('zero errors') || target.startsWith('overload') || target.startsWith('jobe answers')

/** Where each language's Jobe rounds start (jobs/s): near what a 2-core machine sustains, so that the rounds are few. */
const JOBE_START_RATES: Record<string, number> = { c: 4, python3: 8, cpp: 1 }

function ratios (rows: Row[]): string {
  const find = (scenario: string, workload: string, concurrency: number) => findRow(rows, scenario, workload, concurrency)
  const lines = [
    '| workload | conc. | warm/floor p50 | warm/floor req/s | cold/warm p50 |',
    '| --- | ---: | ---: | ---: | ---: |'
  ]
  for (const workload of workloads) {
    for (const concurrency of [1, 45]) {
      const floor = find('floor', workload.name, concurrency)
      const warm = find('warm', workload.name, concurrency)
      const cold = find('cold', workload.name, concurrency)
      if (!floor || !warm) continue
      const coldOverWarm = cold ? round(cold.p50 / warm.p50, 1) : '-'
      const cells = [workload.name, concurrency, round(warm.p50 / floor.p50, 2), round(warm.rps / floor.rps, 2), coldOverWarm]
      lines.push(`| ${cells.join(' | ')} |`)
    }
  }
  return lines.join('\n')
}

async function main (): Promise<void> {
  const rows: Row[] = []
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`)
  const imageNode = await imageNodeRoot(RUNNER_IMAGE)

  log(`warm: filling a pool of ${POOL}`)
  const warm = await startProxy({ poolName: 'bench-warm', pool: { min: POOL, max: POOL, acquireTimeoutMs: 120000, maxWaitingRequests: 10000 } }, PORT)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const idle = await idleMemoryPerRunner('bench-warm')
  const overheads: number[] = []
  let overload: OverloadResult | undefined
  let spread: CpuSpreadResult | undefined
  const judged: JudgeComparison[] = []
  const jobe: JobeThroughput[] = []
  try {
    // Each floor run is followed at once by its warm run, so that the pair sees the same machine: on a
    // shared host, minutes apart, the floor alone moved by 20%. The idle pool meanwhile uses no CPU.
    for (const workload of workloads) {
      for (const concurrency of [1, 45]) {
        const requests = requestsFor(workload, concurrency, 'floor')
        log(`floor ${workload.name} c=${concurrency} n=${requests}`)
        rows.push(floorRow(workload, concurrency, await runFloor(workload, concurrency, requests, imageNode)))
        log(`warm ${workload.name} c=${concurrency}`)
        rows.push(await loadRun(warm.base, 'warm', workload, concurrency, concurrency === 1 ? overheads : []))
      }
      log(`warm ${workload.name} c=90`)
      rows.push(await loadRun(warm.base, 'warm', workload, 90, []))
    }
    log(`warm overload verdicts: ${3 * POOL} mixed jobs at once, default limits`)
    overload = await overloadVerdicts(warm.base, 3 * POOL)
    log(`warm CPU time spread: alone, then ${POOL} at once`)
    spread = await cpuTimeSpread(warm.base, quick ? 5 : 15, POOL)
    for (const language of ['cpp', 'python']) {
      log(`warm judge: 50 tests of ${language} in one judge request, then as 50 executes`)
      judged.push(await judgeAgainstExecutes(warm.base, language))
    }
    for (const language of Object.keys(JOBE_START_RATES)) {
      log(`warm jobe: ${language} through /restapi/runs at a rising rate, until an answer fails or lags`)
      const options = quick ? { startRate: 2, windowSeconds: 3, maxRounds: 1 } : { startRate: JOBE_START_RATES[language] }
      jobe.push(await jobeSustained(warm.base, language, options))
    }
  } finally {
    await warm.stop()
  }

  log('cold: a container per request')
  const coldPool = { min: 0, max: POOL, maxUsesPerRunner: 1, acquireTimeoutMs: 300000, maxWaitingRequests: 10000, startTimeoutMs: 120000 }
  const cold = await startProxy({ poolName: 'bench-cold', pool: coldPool }, PORT + 1)
  try {
    for (const workload of workloads) {
      for (const concurrency of [1, 45]) {
        log(`cold ${workload.name} c=${concurrency}`)
        rows.push(await loadRun(cold.base, 'cold', workload, concurrency, []))
      }
    }
  } finally {
    await cold.stop()
  }

  const order = ['floor', 'warm', 'cold']
  rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario))
  const find = (scenario: string, workload: string, concurrency: number) => findRow(rows, scenario, workload, concurrency)!
  const floorPy = find('floor', 'python hello', 1)
  const warmPy = find('warm', 'python hello', 1)
  const coldPy = find('cold', 'python hello', 1)
  const targets = [
    {
      target: 'warm python hello p50 at c=1 <= floor p50 + 5 ms',
      value: `${warmPy.p50} <= ${round(floorPy.p50 + 5)}`,
      pass: warmPy.p50 <= floorPy.p50 + 5
    },
    ...workloads.map((workload) => {
      const ratio = find('warm', workload.name, 45).rps / find('floor', workload.name, 45).rps
      return { target: `warm req/s at c=45 >= 80% of floor: ${workload.name}`, value: `${round(ratio * 100)}%`, pass: ratio >= 0.8 }
    }),
    { target: 'cold p50 / warm p50 >= 10, python hello', value: `${round(coldPy.p50 / warmPy.p50, 1)}`, pass: coldPy.p50 / warmPy.p50 >= 10 },
    {
      target: 'zero errors in every scenario',
      value: `${rows.reduce((sum, row) => sum + row.errors + row.non2xx, 0)}`,
      pass: rows.every((row) => row.errors === 0 && row.non2xx === 0)
    },
    {
      target: `overload: ${overload!.jobs} mixed jobs at once, default limits, every answer ok and right`,
      value: `${overload!.correct} of ${overload!.jobs} (${Object.entries(overload!.outcomes).map(([key, count]) => `${key} ${count}`).join(', ')})`,
      pass: overload!.correct === overload!.jobs
    },
    {
      target: `CPU time spread: median cpuMs among ${POOL} at once / alone <= 1.10`,
      value: `${spread!.loadedMs} / ${spread!.aloneMs} = ${spread!.ratio}`,
      pass: spread!.ratio <= 1.1 && spread!.wrong === 0
    },
    ...judged.map((run) => ({
      target: `judge: 50 ${run.language} tests in one judge request vs 50 executes${run.language === 'cpp' ? ' >= 5x faster' : ''}`,
      value: `${run.executesMs} / ${run.judgeMs} ms = ${run.ratio}x (${run.accepted} and ${run.executesRight} of ${run.tests} right)`,
      pass: run.accepted === run.tests && run.executesRight === run.tests && (run.language !== 'cpp' || run.ratio >= 5)
    })),
    {
      // The climb ends when answers lag; under our pool's long wait none should ever be wrong or refused.
      target: 'jobe answers right in every round, the last included',
      value: jobe.map((run) => `${run.language} ${run.rounds.filter((r) => r.right === r.sent).length}/${run.rounds.length}`).join(', '),
      pass: jobe.every((run) => run.rounds.every((r) => r.right === r.sent))
    },
    ...jobe.map((run) => ({
      target: `jobe sustained ${run.language} per core >= Jobe's published per core`,
      value: `${run.sustained} jobs/s = ${run.perCore}/core vs ${run.jobePerCore}/core (${run.ratio}x)`,
      pass: run.ratio >= 1
    })),
    { target: 'pool fill to 45 in under 15 s', value: `${round(warm.fillMs / 1000, 2)} s`, pass: warm.fillMs < 15000 },
    { target: 'idle memory per runner under 30 MiB', value: `${idle.meanMiB} MiB (max ${idle.maxMiB})`, pass: idle.meanMiB < 30 }
  ]
  const proxyOverhead = { p50Ms: round(percentile(overheads, 0.5), 2), p90Ms: round(percentile(overheads, 0.9), 2), samples: overheads.length }

  const report = [
    `## Benchmark ${new Date().toISOString()}${quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.`,
    '',
    table(rows),
    '',
    ratios(rows),
    '',
    `Pool fill from empty to ${POOL}: ${round(warm.fillMs / 1000, 2)} s. ` +
      `Idle memory per runner: ${idle.meanMiB} MiB mean, ${idle.maxMiB} MiB max (${idle.runners} runners).`,
    'Proxy time per request outside the runner (timing.totalMs - timing.runnerMs, warm c=1): ' +
      `p50 ${proxyOverhead.p50Ms} ms, p90 ${proxyOverhead.p90Ms} ms.`,
    `Overload: ${overload!.jobs} jobs answered in ${overload!.seconds} s, the longest queue wait ${overload!.maxQueueMs} ms. ` +
      `CPU time spread: ${spread!.aloneRuns} runs alone, ${spread!.loadedRuns} at once.`,
    `Jobe sustained throughput (/restapi/runs, testsubmit's programs): ${jobe.map((run) =>
      `${run.language} ${run.sustained} jobs/s, ${run.perCore} per core (Jobe's README: ${run.jobePerCore})`).join('; ')}.`,
    '',
    '| target | measured | result |',
    '| --- | --- | --- |',
    // A quick run has too few requests for its timings to mean anything; only its errors are judged.
    ...targets.map((t) => `| ${t.target} | ${t.value} | ${quick && !judgedWhenQuick(t.target) ? 'not judged (quick)' : t.pass ? 'PASS' : 'FAIL'} |`)
  ].join('\n')
  process.stdout.write(report + '\n')

  const dir = resolve(__dirname, '../../../bench/results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`)
  const machine = { cores: cpus().length, node: process.version }
  const results = {
    date: new Date().toISOString(), quick, machine, fillMs: round(warm.fillMs), idle, proxyOverhead, overload, spread, judged, jobe, rows, targets
  }
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  log(`wrote ${file}`)

  // Timings are never a failure here (they are noisy); errors and wrong outputs are.
  const failures = rows.filter((row) => row.errors > 0 || row.non2xx > 0 || row.requests === 0)
  if (failures.length > 0) {
    log(`errors or wrong outputs in ${failures.map((row) => `${row.scenario} ${row.workload} c=${row.concurrency}`).join(', ')}`)
    process.exit(1)
  }
  const misjudged = judged.filter((run) => run.accepted !== run.tests || run.executesRight !== run.tests)
  if (misjudged.length > 0) {
    log(`judge: wrong answers in ${misjudged.map((run) => run.language).join(', ')}`)
    process.exit(1)
  }
  // A correct program answered other than ok is a wrong answer, whatever the timings.
  if (overload!.correct !== overload!.jobs) {
    log(`overload: ${overload!.jobs - overload!.correct} of ${overload!.jobs} correct programs were not answered ok with their output`)
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
