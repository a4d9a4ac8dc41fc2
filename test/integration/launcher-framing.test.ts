import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Launcher } from '../../runner/src/launcher'
import { launchOnce } from '../helpers/launcher'

// The launcher's request carries user bytes (arguments) next to fields the user does not control (the
// environment). Every field is framed by its length (issue 12): no byte of an argument can end it.
jest.setTimeout(30000)
const UID = 61009
let dir: string
let launcher: Launcher

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'framing-'))
  launcher = new Launcher(join(__dirname, '../../runner/dist/sandbox-exec'), [dir])
  launcher.start()
})
afterAll(() => {
  launcher.close()
  rmSync(dir, { recursive: true, force: true })
})

const launch = (argv: string[]) => launchOnce(launcher, UID, argv)

describe('sandbox-exec: arguments are framed by their length', () => {
  test('arguments reach the program byte for byte, whatever separators they hold', async () => {
    const argv = ['/usr/bin/printf', '%s|', 'two words', 'x\ny', '3', 'PATH=/evil', '', '\u00e9']
    const { stdout, report } = await launch(argv)
    expect(report).toMatch(/exit=0 /)
    expect(stdout).toBe('two words|x\ny|3|PATH=/evil||\u00e9|')
  })

  test('an argument with a NUL byte is a malformed job: the program never runs with its pieces', async () => {
    const { stdout, stderr, report } = await launch(['/usr/bin/printf', '%s|', 'a\u0000b', 'c'])
    expect(stdout).toBe('')
    expect(stderr).toBe('sandbox-exec: malformed job\n')
    expect(report).toMatch(/exec_failed=1/)
  })
})
