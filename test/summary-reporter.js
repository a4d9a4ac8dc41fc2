// Prints one plain closing line, "N passed, N failed, N skipped", after jest's own summary.
class SummaryReporter {
  onRunComplete (_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites
    const line = `${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`
    // On exit, so that it is the last line, after jest's own summary.
    process.once('exit', () => process.stderr.write(`\n${line}\n`))
  }
}
module.exports = SummaryReporter
