import { Metrics } from '../../proxy/src/metrics'

const readings = {
  available: 40, borrowed: 3, starting: 2, pending: 7, min: 45, max: 45, maxRunning: 2, running: 1, maxInteractive: 15, interactive: 4
}

async function scrape (metrics: Metrics) {
  const json = await metrics.registry.getMetricsAsJSON()
  return new Map(json.map((metric) => [metric.name, metric]))
}

describe('metrics', () => {
  test('names follow Prometheus conventions: one prefix, units, _total counters, _seconds histograms', async () => {
    const metrics = new Metrics({ defaultMetrics: false })
    metrics.observePool(readings)
    const all = await scrape(metrics)
    expect([...all.keys()].sort()).toEqual([
      'codeexec_cluster_jobs_total',
      'codeexec_cluster_node_jobs_running',
      'codeexec_cluster_pickup_seconds',
      'codeexec_cluster_queue_jobs',
      'codeexec_cluster_redis_up',
      'codeexec_cpu_slots',
      'codeexec_engine_errors_total',
      'codeexec_execution_duration_seconds',
      'codeexec_executions_total',
      'codeexec_interactive_seats',
      'codeexec_interactive_sessions',
      'codeexec_jobs_running',
      'codeexec_pool_max_runners',
      'codeexec_pool_min_runners',
      'codeexec_queue_wait_seconds',
      'codeexec_requests_rejected_total',
      'codeexec_requests_waiting',
      'codeexec_runner_removals_total',
      'codeexec_runner_start_duration_seconds',
      'codeexec_runner_start_failures_total',
      'codeexec_runner_starts_total',
      'codeexec_runners',
      'codeexec_submission_duration_seconds',
      'codeexec_submission_wait_seconds',
      'codeexec_submissions',
      'codeexec_upstream_errors_total',
      'codeexec_websocket_connections',
      'codeexec_websockets_dropped_total'
    ])
    for (const metric of all.values()) {
      if (metric.type === 'counter') expect(metric.name).toMatch(/_total$/)
      if (metric.type === 'histogram') expect(metric.name).toMatch(/_seconds$/)
      expect(metric.help.length).toBeGreaterThan(10)
    }
  })

  test('the removal reasons the help names are the ones counted, each from zero', async () => {
    const metrics = new Metrics({ defaultMetrics: false })
    const removals = (await scrape(metrics)).get('codeexec_runner_removals_total')!
    const counted = removals.values.map((value) => value.labels.reason).sort()
    expect(counted).toEqual(['crashed', 'max_uses', 'outgrown', 'shutdown', 'timed_out', 'unclean'])
    expect(/\((.*)\)/.exec(removals.help)![1].split(', ').sort()).toEqual(counted)
  })

  test('pool gauges read the pool at scrape time, capacity apart from use', async () => {
    const metrics = new Metrics({ defaultMetrics: false })
    const live = { ...readings }
    metrics.observePool(live)
    let all = await scrape(metrics)
    expect(all.get('codeexec_runners')!.values).toEqual(expect.arrayContaining([
      expect.objectContaining({ labels: { state: 'idle' }, value: 40 }),
      expect.objectContaining({ labels: { state: 'busy' }, value: 3 }),
      expect.objectContaining({ labels: { state: 'starting' }, value: 2 })
    ]))
    expect(all.get('codeexec_pool_max_runners')!.values[0].value).toBe(45)
    expect(all.get('codeexec_requests_waiting')!.values[0].value).toBe(7)
    expect(all.get('codeexec_cpu_slots')!.values[0].value).toBe(2)
    expect(all.get('codeexec_jobs_running')!.values[0].value).toBe(1)
    expect(all.get('codeexec_interactive_seats')!.values[0].value).toBe(15)
    expect(all.get('codeexec_interactive_sessions')!.values[0].value).toBe(4)
    live.borrowed = 44
    all = await scrape(metrics)
    expect(all.get('codeexec_runners')!.values.find((v) => v.labels.state === 'busy')!.value).toBe(44)
  })

  test('labels are bounded: language and status, reasons, results, codes; never a runner or a user', async () => {
    const metrics = new Metrics({ defaultMetrics: false })
    metrics.executions.inc({ language: 'python', status: 'ok' })
    metrics.executionSeconds.observe({ language: 'python' }, 0.012)
    metrics.rejected.inc({ reason: 'queue_full' })
    metrics.runnerStarted(0.5)
    metrics.runnerStartFailed('image_missing')
    metrics.runnerRemoved('max_uses')
    metrics.upstreamErrors.inc({ code: 'UND_ERR_SOCKET' })
    const all = await scrape(metrics)
    const labelNames = (name: string) => new Set(all.get(name)!.values.flatMap((v) => Object.keys(v.labels)).filter((l) => l !== 'le'))
    expect(labelNames('codeexec_executions_total')).toEqual(new Set(['language', 'status']))
    expect(labelNames('codeexec_execution_duration_seconds')).toEqual(new Set(['language']))
    expect(labelNames('codeexec_requests_rejected_total')).toEqual(new Set(['reason']))
    expect(labelNames('codeexec_runner_starts_total')).toEqual(new Set(['result']))
    expect(labelNames('codeexec_runner_removals_total')).toEqual(new Set(['reason']))
    expect(labelNames('codeexec_runner_start_failures_total')).toEqual(new Set(['reason']))
    expect(all.get('codeexec_runner_start_failures_total')!.values.map((v) => [v.labels.reason, v.value])).toEqual(expect.arrayContaining([['image_missing', 1], ['engine_unavailable', 0]]))
    expect(labelNames('codeexec_upstream_errors_total')).toEqual(new Set(['code']))
    expect(all.get('codeexec_runner_starts_total')!.values.map((v) => [v.labels.result, v.value])).toEqual(expect.arrayContaining([['success', 1], ['failure', 1]]))
  })

  test('the duration histogram resolves milliseconds', async () => {
    const metrics = new Metrics({ defaultMetrics: false })
    metrics.executionSeconds.observe({ language: 'c' }, 0.013)
    const text = await metrics.registry.getSingleMetricAsString('codeexec_execution_duration_seconds')
    expect(text).toMatch(/le="0\.01",language="c"} 0/)
    expect(text).toMatch(/le="0\.015",language="c"} 1/)
  })

  test('two apps never share a registry', async () => {
    const a = new Metrics({ defaultMetrics: false })
    const b = new Metrics({ defaultMetrics: false })
    a.executions.inc({ language: 'python', status: 'ok' })
    expect((await b.registry.getSingleMetric('codeexec_executions_total')!.get()).values).toEqual([])
  })

  test('the default Node metrics carry the same prefix', async () => {
    const metrics = new Metrics()
    const names = [...(await scrape(metrics)).keys()]
    expect(names).toContain('codeexec_process_cpu_seconds_total')
    expect(names.every((name) => name.startsWith('codeexec_'))).toBe(true)
  })
})
