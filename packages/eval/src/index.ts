export { evaluate, EVAL_REPORT_SCHEMA_VERSION, EVAL_RUN_LABEL, type EvaluateOptions, type InstanceReport } from './evaluate.js';
export { gradePrediction, type Grade, type GradeContext, type GradeResult, type TestBucket } from './grade.js';
export { applyPatch, type ApplyMethod, type ApplyOutcome } from './apply.js';
export { checkPatch, parsePatchFiles, protectedReason, isInsideRepo, symlinkStaysInside, DEFAULT_PROTECTED, type GuardRules, type GuardVerdict, type PatchFile } from './patch-guard.js';
export { runSelection, selectionFor, type SelectionRun } from './run-selection.js';
export { loadDataset, loadPredictions, parseJsonRecords, installedCopyOf, type LoadedDataset, type Prediction } from './inputs.js';
export { summarize, renderSummary, type RunReport, type RateRow } from './report.js';
