// npm run lint (part of npm test): typescript-eslint's recommended rules, a line length, and the one
// import boundary between the proxy and the runner (issue 14).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'runner/dist/**', 'node_modules/**', 'runner/vendor/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'max-len': ['error', { code: 150, ignoreUrls: true }],
      // A leading underscore names what is left out on purpose (`const { output: _output, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-empty': ['error', { allowEmptyCatch: true }]
    }
  },
  {
    // Tests read answers of any shape, and carry programs and names as long literals.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'max-len': ['error', { code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }]
    }
  },
  {
    // What the proxy and the agent share is runner/src/contract/; the rest of runner/ is the agent's own.
    files: ['proxy/src/**/*.ts', 'bench/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^(\\.\\./)+runner/src/(?!contract/)', message: 'the proxy imports only runner/src/contract/ of the runner' }]
      }]
    }
  }
)
