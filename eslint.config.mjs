// Lint configuration: typescript-eslint's recommended rules plus the two size limits the
// architecture holds every function to (see README "Architecture").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/out/**',
      '**/dist/**',
      'node_modules/**',
      'test/fixtures/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `import x = require('…')` is how TypeScript loads a CommonJS module or a JSON table.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      complexity: ['error', { max: 40 }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    // Tests and benchmarks load the compiled server (`server/out`) at run time on purpose: they test
    // what ships, and a static import would point at the TypeScript sources.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
