import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

// Issue 14: the proxy imports nothing of the runner but its contract folder, and the linter says so.
const root = join(__dirname, '../..')

// ESLint's own command, as `npm run lint` runs it (its config is an ES module, which jest cannot load).
async function problems (file: string, source: string): Promise<string[]> {
  const eslint = spawnSync(join(root, 'node_modules/.bin/eslint'), ['--stdin', '--stdin-filename', file, '--format', 'json'], { cwd: root, input: source, encoding: 'utf8' })
  const [result] = JSON.parse(eslint.stdout) as Array<{ messages: Array<{ ruleId: string, message: string }> }>
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`)
}

describe('the import boundary between the proxy and the runner', () => {
  test.each([
    ['proxy/src/x.ts', "import { runJob } from '../../runner/src/job'\nexport const x = runJob\n"],
    ['proxy/src/pool/x.ts', "import type { Launcher } from '../../../runner/src/launcher'\nexport type X = Launcher\n"],
    ['bench/src/x.ts', "import { loadAgentConfig } from '../../runner/src/config'\nexport const x = loadAgentConfig\n"]
  ])('%s may not import the agent\'s own files', async (file, source) => {
    expect(await problems(file, source)).toEqual([expect.stringMatching(/^no-restricted-imports: .*runner\/src\/contract/)])
  })

  test('the contract may be imported, and the runner may import its own files', async () => {
    expect(await problems('proxy/src/x.ts', "import { findLanguage } from '../../runner/src/contract/languages'\nexport const x = findLanguage\n")).toEqual([])
    expect(await problems('runner/src/x.ts', "import { runJob } from './job'\nexport const x = runJob\n")).toEqual([])
  })
})
