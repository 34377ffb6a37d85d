import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layers are one-way: a package may import only its own layer's lower neighbours.
const layers = {
  'layer:foundation': [],
  'layer:domain': ['layer:foundation'],
  'layer:infra': ['layer:foundation'],
  'layer:io': ['layer:foundation', 'layer:domain', 'layer:infra', 'layer:io'],
  'layer:app': ['layer:foundation', 'layer:domain', 'layer:infra', 'layer:io', 'layer:app'],
};

export default [
  { ignores: ['tools/**/*.{cjs,mjs}', 'docker/**', '**/dist/**', '**/node_modules/**', 'fixtures/**', 'reports/**', 'packages/*/test/fixtures/**', '**/bench/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: Object.entries(layers).map(([sourceTag, allowed]) => ({
            sourceTag,
            onlyDependOnLibsWithTags: [sourceTag, ...allowed],
          })),
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    // Pure domain packages must not touch processes or the file system.
    files: ['packages/{scheduler,skeleton}/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:fs*', 'fs', 'fs/*', 'node:child_process', 'child_process', 'execa', 'dockerode', 'simple-git'] }],
    },
  },
  {
    // The scripts that run inside a workspace (recorder, sessions, batches, loaders, tree links): plain
    // JavaScript for Node, linted with ESLint's recommended rules.
    files: ['packages/*/runtime/**/*.{cjs,mjs,js}'],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2023, globals: { ...globals.node } },
    rules: {
      ...js.configs.recommended.rules,
      // CommonJS is what runners load these through; `const crypto = require('crypto')` is fine.
      '@typescript-eslint/no-require-imports': 'off',
      'no-redeclare': ['error', { builtinGlobals: false }],
      // The recorder keeps the traced `this` for the function it wraps.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  { files: ['packages/*/runtime/**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // Loaded by jest as a setup file: jest's globals are there.
  { files: ['packages/tracer/runtime/jest-setup.cjs'], languageOptions: { globals: { ...globals.jest } } },
];
