// @ts-check
// ESLint flat config: `npm run lint` runs this and knip (knip.json). The rule set is deliberate:
// ESLint's and typescript-eslint's recommended syntax rules everywhere, plus the type-aware rules
// that catch real mistakes in this codebase (promises dropped or misused, casts that do nothing).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Type-aware rules.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // `_`-prefixed names mark a deliberately unused binding (an omitted field in a rest
      // destructure, a callback parameter the signature requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Parsed JSON (HTTP bodies in tests, kubectl output) is typed `any` on purpose; the unsafe-any
      // family of rules is not adopted, so flagging the annotation alone would only add noise.
      '@typescript-eslint/no-explicit-any': 'off',
      // A controller runtime hands its actors object literals whose getters read the runtime's live
      // state; inside a getter `this` is the literal, so the runtime is named `rt` there.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['rt'] }],
    },
  },
  {
    // Engine code takes time and randomness only from the kernel, so every run replays from its
    // seed (the CLI, the HTTP server, the inspector, the benchmarks, the real-time driver and the
    // docs generator are outside the engine).
    files: ['machines/**/*.ts', 'src/**/*.ts'],
    ignores: ['src/cli/**', 'src/http/**', 'src/inspector/**', 'src/bench/**', 'src/driver/**', 'src/docs/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the kernel\'s Rng (port.rng, kernel.fork(name)).' },
        { object: 'Date', property: 'now', message: 'Use the kernel\'s clock (port.now(), port.timestamp()).' },
        { object: 'performance', property: 'now', message: 'Use the kernel\'s clock (port.now()).' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use a named XState delay or the kernel\'s timers.' },
        { name: 'setInterval', message: 'Use a named XState delay or the kernel\'s timers.' },
        { name: 'setImmediate', message: 'Use the kernel\'s timers.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the kernel\'s clock (port.timestamp()).' },
      ],
    },
  },
  {
    // Layers point one way: the engine (machines/ and src/ below the front ends) and the real-time
    // driver (src/driver/) never import the CLI, the HTTP server or the inspector, which sit on top.
    files: ['machines/**/*.ts', 'src/**/*.ts'],
    ignores: ['src/cli/**', 'src/http/**', 'src/inspector/**', 'src/bench/**', 'src/docs/**', 'src/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(cli|http|inspector)/|^\\.\\./(\\.\\./)*(cli|http|inspector)/',
              message: 'The engine and the driver sit below the CLI, the HTTP server and the inspector: they must not import them.',
            },
          ],
        },
      ],
    },
  },
  {
    // typescript-eslint 8.74 reads a `KubeObject | Status` response body (and a few other unions of
    // object types) as one of its members, so it calls casts out of them unnecessary; removing
    // them fails the type check. These files hold such casts.
    files: [
      'machines/controllers/garbage-collector.ts',
      'machines/controllers/job.ts',
      'machines/controllers/replicaset.ts',
      'src/bench/kernel.ts',
      'src/cluster/client.ts',
      'src/inspector/apply.ts',
      'src/verify/invariants/resource-versions-grow.ts',
      'src/verify/invariants/unreachable-pods-evicted.ts',
      'src/verify/runner.ts',
      'test/api/patch.test.ts',
    ],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off' },
  },
  {
    // The inspector's page runs in the browser.
    files: ['src/inspector/page/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['*.js', '*.mjs', 'bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
