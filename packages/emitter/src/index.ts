export { TaskRepo } from './task-repo.js';
export { emitCandidates, instanceIdFor, countPatchTokens, type Candidate, type EmitOptions, type EmitResult } from './emit.js';
export { buildImportGraph, affectedTestFiles, resolveRelative, type ImportGraph } from './affected.js';
export { runTests, statusMap, commandLine, type TestCommandAdapter } from './run-tests.js';
export { verifyCandidates, runBuildCommands, type BuildCommandRun, type TreeBuildSpec, type VerifyOptions, type VerifiedTask, type VerifyResult, type VerifyStats, type BatchTiming, type TreeTiming } from './verify/index.js';
export { buildRow, validateRow, writeDataset, toJsonl, evidenceOf, datasetRowSchema, DATASET_ROW_SCHEMA_PATH, type RowContext } from './rows.js';
export { testFunctionsFromTrace, changedFunctionsOf, type ChangedFunctions } from './stub-sets.js';
// Kept for callers that imported them from here: mapPool is core's, writeFileAtomic the runtime's.
export { mapPool } from '@swe-flow/core';
export { writeFileAtomic } from '@swe-flow/runtime';
export { findSolutionCarriers, type SolutionCarrier } from './solution-carriers.js';
export { evalScript, evalCommand, EVAL_SCRIPT_RESULT_FILE, EVAL_SCRIPT_RUNNERS, EVAL_RESULTS_READER_FILE, type EvalScriptInput } from './eval-script.js';
export { DIFFICULTY_THRESHOLDS, DIFFICULTY_WEIGHTS, DIFFICULTY_SCORE_BANDS, addedLines, difficultyEvidence, difficultyOf } from './difficulty.js';
