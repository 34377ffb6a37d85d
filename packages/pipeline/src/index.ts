export { synthesize, SWEFLOW_VERSION, type SynthOptions, type SynthResult, type RepoJson } from './synthesize.js';
export { prepareOutDir } from './out-dir.js';
export { StageStore, hashOf, stableStringify } from './stages.js';
export { statementInputFor } from './statement-inputs.js';
export { renderSummaryMarkdown, writeSummary, type Summary, type StageTiming } from './summary.js';
export { scheduleFromTrace } from './schedule-stage.js';
export { runDoctor, type DoctorCheck } from './doctor.js';
