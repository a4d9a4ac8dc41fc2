// What a program's command-line arguments may be. The kernel refuses an argument over 128 KiB and an
// argument list over a quarter of the stack limit ("Argument list too long"), and no argument can hold a
// NUL byte (execve takes C strings). The proxy answers these with a 400 before a runner is used; the agent
// checks them again.

/** At most this many arguments. */
export const MAX_ARGS = 256
/** At most this many bytes (UTF-8) in one argument. */
export const MAX_ARG_BYTES = 64 * 1024
/** At most this many bytes in all arguments together. */
export const MAX_ARGS_TOTAL_BYTES = 256 * 1024

/** What is wrong with a list of arguments: `field` names the one at fault (`args`, or `args[2]`). */
export interface ArgsProblem {
  field: string
  problem: string
}

/** What is wrong with `args`, named as `field` (the compile's options are checked as arguments too). */
export function argsProblem (args: readonly string[], field = 'args'): ArgsProblem | null {
  if (args.length > MAX_ARGS) return { field, problem: `has ${args.length} arguments; at most ${MAX_ARGS} are allowed` }
  let total = 0
  for (let i = 0; i < args.length; i++) {
    if (args[i].includes('\0')) return { field: `${field}[${i}]`, problem: 'must not contain a NUL byte' }
    const bytes = Buffer.byteLength(args[i])
    if (bytes > MAX_ARG_BYTES) return { field: `${field}[${i}]`, problem: `is ${bytes} bytes; an argument may have at most ${MAX_ARG_BYTES}` }
    total += bytes
  }
  if (total > MAX_ARGS_TOTAL_BYTES) return { field, problem: `hold ${total} bytes together; at most ${MAX_ARGS_TOTAL_BYTES} are allowed` }
  return null
}
