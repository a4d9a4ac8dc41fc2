// The benchmark's programs: what is sent to the service, what the floor runs directly, what must come out.

export interface Workload {
  name: string
  language: string
  code: string
  stdin: string
  expected: string
  /**
   * The same program run directly on the host: the file it is written to, and the commands in order.
   * IMAGE_NODE stands for the runner image's own node (image-binaries.ts).
   */
  floor: { fileName: string, steps: string[][] }
}

export const IMAGE_NODE = '@image-node'

const MEGABYTE_OF_INPUT = 'x'.repeat(1024 * 1024 - 1) + '\n'

export const workloads: Workload[] = [
  {
    name: 'python hello',
    language: 'python',
    code: "print('Hello World!')",
    stdin: '',
    expected: 'Hello World!\n',
    floor: { fileName: 'main.py', steps: [['/usr/bin/python3', 'main.py']] }
  },
  {
    name: 'node hello',
    language: 'javascript',
    code: "console.log('Hello World!')",
    stdin: '',
    expected: 'Hello World!\n',
    floor: { fileName: 'main.js', steps: [[IMAGE_NODE, 'main.js']] }
  },
  {
    name: 'c hello',
    language: 'c',
    code: '#include <stdio.h>\nint main(void) { puts("Hello World!"); return 0; }\n',
    stdin: '',
    expected: 'Hello World!\n',
    floor: { fileName: 'main.c', steps: [['/usr/bin/gcc', '-O2', '-pipe', '-o', 'main', 'main.c', '-lm'], ['./main']] }
  },
  {
    name: 'python 1 MB stdin',
    language: 'python',
    code: 'import sys\nprint(len(sys.stdin.read()))',
    stdin: MEGABYTE_OF_INPUT,
    expected: `${MEGABYTE_OF_INPUT.length}\n`,
    floor: { fileName: 'main.py', steps: [['/usr/bin/python3', 'main.py']] }
  }
]
