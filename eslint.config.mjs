// Lint configuration: typescript-eslint's recommended rules plus the two size limits the
// architecture holds every function to (see README "Architecture").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/out/**', '**/dist/**', 'node_modules/**', 'test/fixtures/**', '**/*.js', '**/*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      complexity: ['error', { max: 40 }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: false, skipComments: false }],
    },
  },
);
