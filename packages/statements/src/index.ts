export {
  emptyStats,
  addStats,
  type StatementInput,
  type StatementFunction,
  type StatementTest,
  type StatementHelper,
  type StatementStats,
} from './types.js';
export { writeOfflineStatement, referenceNames, MAX_P2P_LISTED } from './offline.js';
export { checkStatement, STATEMENT_BUDGET_CHARS, type StatementCheck, type StatementCheckInput } from './check.js';
export { analyzeTest, type TestAnalysis, type TestFact } from './test-facts.js';
export { findLeak, tokenize, publicTextOf, DEFAULT_LEAK_NGRAM, type Leak, type LeakOptions } from './leak.js';
export {
  LlmClient,
  LLM_ENV,
  resolveLlmOptions,
  chatCompletionsUrl,
  parseRetryAfter,
  canonicalJson,
  type LlmOptions,
  type LlmClientStats,
  type ChatMessage,
  type ChatParams,
  type ChatResult,
  type RequestCounter,
} from './llm-client.js';
export {
  writeStatement,
  writeStatements,
  llmClientFor,
  type WriterOptions,
  type StatementResult,
  type StatementSource,
} from './writer.js';
export {
  writeDocstrings,
  offlineDocstring,
  parseSignature,
  type DocstringOptions,
  type SignatureInfo,
  type SignatureParam,
} from './docstrings.js';
export { loadPrompt, renderPrompt, DEFAULT_PROMPTS_DIR, type PromptName } from './prompts.js';
export {
  buildStatementInput,
  functionFace,
  referenceBody,
  extractTestSource,
  extractTestHelpers,
  type BuildStatementInputArgs,
} from './extract.js';
