import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionInfo } from '@swe-flow/core';
import type { VerifiedTask } from '@swe-flow/emitter';
import { writeStatements, type StatementStats } from '@swe-flow/statements';
import { statementInputFor } from '../statement-inputs.js';
import { llmOptionsOf } from './emit.js';
import type { RepoJson } from './prepare.js';
import type { Stage } from './stage.js';

export interface Statements {
  statements: string[];
  stats: StatementStats;
}

/** 7. Problem statements, one per verified task (LLM or offline); not recorded: the LLM keeps its own cache. */
export const statementsStage: Stage<'statements', { repo: RepoJson; verified: VerifiedTask[] }, null, Statements> = {
  name: 'statements',
  reads: ['statements'],
  cached: false,
  async run(config, env, { repo, verified }) {
    const originalSource = (file: string) => readFile(path.join(env.workDir, file), 'utf8');
    const located = new Map<string, FunctionInfo[]>();
    const inputs = await Promise.all(verified.map((task) => statementInputFor(repo.name, task, originalSource, located)));
    const result = await writeStatements(inputs, { ...llmOptionsOf(config.statements, env.out), logger: env.logger });
    return { record: null, artifact: { statements: result.statements, stats: result.stats } };
  },
};
