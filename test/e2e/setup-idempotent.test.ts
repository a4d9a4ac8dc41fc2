import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

jest.setTimeout(300000)

test('npm run setup a second time skips the image build', () => {
  const root = resolve(__dirname, '../..')
  // The test command itself has set everything up once (npm test's pretest, or .ci/run before it).
  const output = execFileSync('npm', ['run', 'setup'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  expect(output).toMatch(/\[docker-engine\] engine already answering/)
  expect(output).toMatch(/\[runner-image\] codeexec-runner:latest is up to date \(inputs [0-9a-f]{16}\): skipping the build/)
  expect(output).not.toMatch(/\[runner-image\] building/)
})
