/** Three groups: unit (pure logic), integration (the runner agent as a real process on the host), e2e (real Docker). */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: { warnOnly: false } }] }
const group = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`]
})

module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Every test's name in the log, so a CI run shows what it ran (the hostile suite under each runtime).
  verbose: true,
  projects: [group('unit'), group('integration'), group('e2e')]
}
