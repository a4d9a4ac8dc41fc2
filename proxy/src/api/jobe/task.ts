import type { Config } from '../../config'
import type { ExecutionInput } from '../../execution'
import { jobInput } from '../../job-input'
import type { FileCache } from './file-cache'
import { runCommand, type JobeParams } from './languages'
import { JobeError, type JobeRun } from './run-spec'

// A Jobe run as our job (LanguageTask's prepareExecutionEnvironment, compile, execute and runInSandbox):
// its source and its files in the run's directory, Jobe's own command lines through `sh -c`, and the
// limits Jobe's runguard would set, each no higher than ours.

/** Jobe's megabytes: runguard takes kB, 1000 of them to the MB (LanguageTask's runInSandbox). */
const jobeMb = (mb: number) => mb * 1000 * 1024

/**
 * The run's limits from Jobe's parameters. cputime is CPU seconds, and the wall clock twice that, as
 * runguard's --time; memorylimit is the address space (RLIMIT_AS: allocations past it fail), and our
 * cgroup's memory no more than that; numprocs one more for the shell; streamsize each stream's output;
 * disklimit the largest file (-1: our maximum).
 */
export function runLimits (params: JobeParams, config: Config) {
  const max = config.limits.max.run
  const cpuMs = params.cputime > 0 ? Math.min(max.cpuTimeMs, Math.round(params.cputime * 1000)) : max.cpuTimeMs
  const addressSpace = params.memorylimit > 0 ? Math.round(jobeMb(params.memorylimit)) : undefined
  return {
    limits: {
      cpuTimeMs: cpuMs,
      timeoutMs: Math.min(max.timeoutMs, 2 * cpuMs),
      ...(addressSpace !== undefined ? { memoryBytes: Math.min(max.memoryBytes, addressSpace) } : {}),
      processes: Math.max(1, Math.min(max.processes, Math.trunc(params.numprocs) + 1)),
      outputBytes: Math.max(1, Math.min(max.outputBytes, Math.round(jobeMb(params.streamsize)))),
      fileSizeBytes: params.disklimit === -1
        ? max.fileSizeBytes
        : Math.max(1, Math.min(max.fileSizeBytes, Math.round(jobeMb(params.disklimit))))
    },
    addressSpaceBytes: addressSpace
  }
}

/**
 * The job for a run: its files from the cache (a 404 when one is missing, as Jobe's loadFiles), its
 * commands, its limits, its output as bytes (for Jobe's escapes of what is not UTF-8).
 */
export function jobeInput (run: JobeRun, files: FileCache, config: Config, versions: Record<string, string>): ExecutionInput {
  const source = run.sourcefilename ?? 'prog.java'
  const listed = run.files.map((file) => {
    const contents = files.get(file.id)
    if (contents === undefined) throw new JobeError(404, 'One or more of the specified files is missing/unavailable')
    return { name: file.name, content: contents.toString('base64'), encoding: 'base64' as const }
  })
  const { limits, addressSpaceBytes } = runLimits(run.params, config)
  const input = jobInput({
    language: run.language.language,
    // Jobe writes the source, then the files: one of the source's name takes its place.
    files: [
      listed.find((file) => file.name === source) ?? { name: source, content: run.sourcecode },
      ...listed.filter((file) => file.name !== source)
    ],
    stdin: run.input,
    limits: { run: limits }
  }, config, versions)
  const shell = (command: string) => ['sh', '-c', command]
  return {
    ...input,
    commands: {
      ...(run.language.compile ? { compile: shell(run.language.compile(source, run.params)) } : {}),
      run: shell(runCommand(run.language, source, run.params))
    },
    ...(addressSpaceBytes !== undefined ? { addressSpaceBytes } : {}),
    outputBase64: true
  }
}
