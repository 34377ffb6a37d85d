import { ErrorCodes, SweFlowError, silentLogger, type Logger } from '@swe-flow/core';
import { findLeak, publicTextOf, DEFAULT_LEAK_NGRAM } from './leak.js';
import { LlmClient, resolveLlmOptions, type ChatMessage, type LlmOptions } from './llm-client.js';
import { acceptanceSection, writeOfflineStatement } from './offline.js';
import { checkStatement, STATEMENT_BUDGET_CHARS } from './check.js';
import { loadPrompt, renderPrompt } from './prompts.js';
import { emptyStats, addStats, type StatementInput, type StatementStats } from './types.js';

export interface WriterOptions {
  /**
   * Omit for the offline writer (the default: deterministic, no network). Pass a client, or options
   * that, merged with `SWEFLOW_LLM_*` env variables, name an endpoint and a model.
   */
  llm?: LlmClient | LlmOptions;
  /** Tokens per n-gram in the leak check; default 8. */
  leakNgram?: number;
  /** Overrides the shipped `prompts/` directory. */
  promptsDir?: string;
  logger?: Logger;
}

export type StatementSource = 'llm' | 'cached' | 'offline' | 'fallback';

export interface StatementResult {
  statement: string;
  source: StatementSource;
  stats: StatementStats;
}

/** Resolves the writer's LLM option into a client, or `undefined` for offline writing. */
export function llmClientFor(llm: WriterOptions['llm'], env: Record<string, string | undefined> = process.env): LlmClient | undefined {
  if (llm === undefined) return undefined;
  if (llm instanceof LlmClient) return llm;
  const resolved = resolveLlmOptions(llm, env);
  if (!resolved) {
    throw new SweFlowError(
      ErrorCodes.CONFIG_INVALID,
      'an LLM writer was requested but no endpoint/model is configured; set SWEFLOW_LLM_BASE_URL and SWEFLOW_LLM_MODEL or pass baseUrl and model',
    );
  }
  return new LlmClient(resolved);
}

function lang(file: string): string {
  return /\.(c|m)?tsx?$/.test(file) ? 'ts' : 'js';
}

async function statementMessages(input: StatementInput, promptsDir: string | undefined): Promise<ChatMessage[]> {
  const [system, user] = await Promise.all([loadPrompt('statement-system', promptsDir), loadPrompt('statement-user', promptsDir)]);
  const functions = input.functions
    .map((f) => `### ${f.name} (${f.kind}${f.async ? ', async' : ''}${f.generator ? ', generator' : ''}) in ${f.file}\n\n\`\`\`${lang(f.file)}\n${f.jsdoc ? `${f.jsdoc.trim()}\n` : ''}${f.signature.trim()}\n\`\`\``)
    .join('\n\n');
  const tests = input.tests.map((t) => `### ${t.id}\n\n\`\`\`${lang(t.file)}\n${t.source.trim()}\n\`\`\``).join('\n\n');
  const helpers =
    input.helpers && input.helpers.length > 0
      ? input.helpers.map((h) => `### ${h.file}\n\n\`\`\`${lang(h.file)}\n${h.source.trim()}\n\`\`\``).join('\n\n')
      : '(none)';
  const p2p = input.passToPass ?? [];
  const passToPass =
    p2p.length === 0 ? '(none)' : [...p2p.slice(0, 50).map((id) => `- ${id}`), ...(p2p.length > 50 ? [`- … and ${p2p.length - 50} more`] : [])].join('\n');
  return [
    { role: 'system', content: system.trim() },
    {
      role: 'user',
      content: renderPrompt(user, { repo: input.repo, step: String(input.step), functions, tests, helpers, passToPass }).trim(),
    },
  ];
}

/** Removes a fence the model may wrap the whole answer in. */
export function unwrapFence(content: string): string {
  const trimmed = content.trim();
  const match = /^```[\w-]*\n([\s\S]*?)\n```$/.exec(trimmed);
  return (match ? match[1]! : trimmed).trim();
}

/** Makes sure every function is named and every FAIL_TO_PASS id listed, appending the offline sections when not. */
function ensureAcceptance(statement: string, input: StatementInput): string {
  const check = checkStatement(statement, { functions: input.functions, failToPass: input.tests.map((t) => t.id), budget: Infinity });
  if (check.missingFunctions.length > 0) {
    // The model left a function out: name every function to implement, as the offline document does.
    statement = `${statement.trimEnd()}\n\n## Functions to implement\n\n${input.functions.map((f) => `- \`${f.name}\` in \`${f.file}\``).join('\n')}`;
  }
  if (check.missingTests.length === 0) return `${statement}\n`;
  return `${statement}\n\n${acceptanceSection(input, STATEMENT_BUDGET_CHARS - statement.length - 2)}`;
}

async function writeWithClient(
  input: StatementInput,
  client: LlmClient,
  options: WriterOptions,
  stats: StatementStats,
): Promise<{ statement: string; source: StatementSource }> {
  const logger = options.logger ?? silentLogger;
  const messages = await statementMessages(input, options.promptsDir);
  const leakOptions = { ngram: options.leakNgram ?? DEFAULT_LEAK_NGRAM, publicText: publicTextOf(input) };
  let allCached = true;
  try {
    for (let round = 0; round < 2; round++) {
      const result = await client.chat(messages, {}, stats);
      allCached &&= result.cached;
      const candidate = unwrapFence(result.content);
      const leak = findLeak(candidate, input.referenceBodies ?? [], leakOptions);
      if (!leak) {
        if (allCached) stats.cached++;
        else stats.llm++;
        return { statement: ensureAcceptance(candidate, input), source: allCached ? 'cached' : 'llm' };
      }
      stats.leakRejected++;
      logger.warn('LLM statement copies a reference body line; rejected', { step: input.step, ngram: leak.ngram, round });
      // Regenerate once, telling the model what it copied; a second leak falls back to offline.
      const retry = await loadPrompt('leak-retry', options.promptsDir);
      messages.push({ role: 'assistant', content: result.content }, { role: 'user', content: renderPrompt(retry, { ngram: leak.ngram }).trim() });
    }
  } catch (error) {
    logger.warn('LLM statement failed; using the offline writer', { step: input.step, error: (error as Error).message });
  }
  stats.fallback++;
  return { statement: writeOfflineStatement(input), source: 'fallback' };
}

/** Writes one statement: by the LLM when configured (with leak check and offline fallback), else offline. */
export async function writeStatement(input: StatementInput, options: WriterOptions = {}): Promise<StatementResult> {
  const stats = emptyStats();
  const client = llmClientFor(options.llm);
  if (!client) {
    stats.offline++;
    return { statement: writeOfflineStatement(input), source: 'offline', stats };
  }
  const { statement, source } = await writeWithClient(input, client, options, stats);
  return { statement, source, stats };
}

/**
 * Writes the statements of many steps; one client is shared, so its rpm and concurrency limits hold
 * across the whole batch. Results keep the order of `inputs`.
 */
export async function writeStatements(
  inputs: readonly StatementInput[],
  options: WriterOptions = {},
): Promise<{ statements: string[]; sources: StatementSource[]; stats: StatementStats }> {
  const client = llmClientFor(options.llm);
  const shared: WriterOptions = client ? { ...options, llm: client } : options;
  const results = await Promise.all(inputs.map((input) => writeStatement(input, shared)));
  const stats = emptyStats();
  for (const r of results) addStats(stats, r.stats);
  return { statements: results.map((r) => r.statement), sources: results.map((r) => r.source), stats };
}
