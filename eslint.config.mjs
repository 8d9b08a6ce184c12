// ESLint for the whole workspace: typescript-eslint's type-aware recommended rules, formatting
// left to Prettier (`npm run format`). `npm run lint` runs this, `prettier --check` and `tsc`.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', 'test-artifacts/**', 'bench/results/**', 'scratch/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // One program for sources and tests (tsconfig.test.json), and the browser code's own.
      parserOptions: {
        project: ['./tsconfig.test.json', './services/client/tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      // Unused parameters keep their place with a leading underscore.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Fire-and-forget is written `void promise` on purpose; everything else is awaited.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // Express handlers may be async (Express 5 forwards their rejections to the error handler).
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      // Adapters implement Promise-returning ports (the memory stores) without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests may use jest globals, log what they measured, and reach into values with `!`.
    files: ['**/test/**/*.ts', 'packages/test-support/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // supertest's and fetch's JSON bodies are untyped; a test asserts on their shape instead.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (config files, the ESM wrapper script): no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { ...globals.node },
      sourceType: 'commonjs',
      parserOptions: { project: false, projectService: false },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  {
    // The web client runs in the browser.
    files: ['services/client/src/web/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
