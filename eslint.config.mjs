import nx from '@nx/eslint-plugin';
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
  { ignores: ['**/dist/**', '**/node_modules/**', 'fixtures/**', 'reports/**', '**/*.cjs', '**/*.mjs', 'packages/*/runtime/**', 'packages/*/test/fixtures/**', '**/bench/**'] },
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
];
