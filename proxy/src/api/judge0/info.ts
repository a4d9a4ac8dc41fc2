import { readFileSync } from 'node:fs'
import { arch, cpus, endianness, totalmem } from 'node:os'
import type { Config } from '../../config'
import type { ExecutionPool } from '../../execution-pool'
import type { Metrics } from '../../metrics'
import type { Submissions } from '../../submissions/submissions'
import { CALLBACK_TIMEOUT_MS, CALLBACK_TRIES } from './callback'
import { MAX_BATCH, maxExtractKb, numberRules } from './submission'

// Judge0's information endpoints (info_controller.rb, health_controller.rb, config.rb) from our readings.

/** The Judge0 version whose API this is: Judge0's Python SDK picks its table of language ids by it. */
export const JUDGE0_VERSION = '1.13.1'

/** GET /about: Judge0's version, and who we are where Judge0 names itself. */
export function about (ourVersion: string) {
  return {
    version: JUDGE0_VERSION,
    homepage: null,
    source_code: null,
    maintainer: `codeexec ${ourVersion}, serving Judge0 CE ${JUDGE0_VERSION}'s API`
  }
}

/** GET /config_info: every key Judge0 has, with the values this server applies. */
export function configInfo (config: Config) {
  const rules = numberRules(config)
  return {
    maintenance_mode: false,
    enable_wait_result: true,
    enable_compiler_options: true,
    allowed_languages_for_compile_options: [],
    enable_command_line_arguments: true,
    enable_submission_delete: false,
    enable_callbacks: config.judge0.callbacks,
    callbacks_max_tries: CALLBACK_TRIES,
    callbacks_timeout: CALLBACK_TIMEOUT_MS / 1000,
    enable_additional_files: true,
    max_queue_size: config.submissions.maxQueued,
    cpu_time_limit: rules.cpu_time_limit.default,
    max_cpu_time_limit: rules.cpu_time_limit.max,
    cpu_extra_time: rules.cpu_extra_time.default,
    max_cpu_extra_time: rules.cpu_extra_time.max,
    wall_time_limit: rules.wall_time_limit.default,
    max_wall_time_limit: rules.wall_time_limit.max,
    memory_limit: rules.memory_limit.default,
    max_memory_limit: rules.memory_limit.max,
    stack_limit: rules.stack_limit.default,
    max_stack_limit: rules.stack_limit.max,
    max_processes_and_or_threads: rules.max_processes_and_or_threads.default,
    max_max_processes_and_or_threads: rules.max_processes_and_or_threads.max,
    // Accepted and shown, not applied: our limits are the whole stage's (cgroup), as Judge0's default.
    enable_per_process_and_thread_time_limit: false,
    allow_enable_per_process_and_thread_time_limit: true,
    enable_per_process_and_thread_memory_limit: false,
    allow_enable_per_process_and_thread_memory_limit: true,
    max_file_size: rules.max_file_size.default,
    max_max_file_size: rules.max_file_size.max,
    number_of_runs: rules.number_of_runs.default,
    max_number_of_runs: rules.number_of_runs.max,
    redirect_stderr_to_stdout: false,
    max_extract_size: maxExtractKb(config),
    enable_batched_submissions: true,
    max_submission_batch_size: MAX_BATCH,
    submission_cache_duration: 0,
    use_docs_as_homepage: false,
    allow_enable_network: false,
    enable_network: false
  }
}

/** GET /workers: Judge0's one queue, its workers our runners. `failed`: jobs that ended in an internal error. */
export async function workers (pool: ExecutionPool, submissions: Submissions, metrics: Metrics) {
  const executions = await metrics.executions.get()
  const failed = executions.values.filter((value) => value.labels.status === 'internal_error').reduce((sum, value) => sum + value.value, 0)
  return [{
    queue: JUDGE0_VERSION,
    size: submissions.queued,
    available: pool.ready,
    idle: pool.available,
    working: pool.borrowed,
    paused: 0, // runners are never paused
    failed
  }]
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)}Gi`

function swapBytes (): number {
  try {
    const kb = /^SwapTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]
    return Number(kb ?? 0) * 1024
  } catch {
    return 0
  }
}

/** GET /system_info: what Judge0 reads from lscpu and `free -h` (Mem, Swap: their totals), from this machine. */
export function systemInfo () {
  const processors = cpus()
  return {
    Architecture: arch() === 'x64' ? 'x86_64' : arch(),
    'Byte Order': endianness() === 'LE' ? 'Little Endian' : 'Big Endian',
    'CPU(s)': String(processors.length),
    'Model name': processors[0]?.model ?? 'unknown',
    Mem: gib(totalmem()),
    Swap: gib(swapBytes())
  }
}
