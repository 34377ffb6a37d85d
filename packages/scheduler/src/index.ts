export { buildRdg, type RdgOptions } from './rdg.js';
export {
  classifyFiles,
  defaultIsTestHelperFile,
  fileOfId,
  nodeKind,
  type ClassifyOptions,
  type FileClassification,
  type FileRole,
  type FileRoleRule,
  type NodeKind,
} from './classify.js';
export { buildSchedule, planSchedule, type SchedulePlan } from './schedule.js';
export { compareOrders, type OrderComparison, type OrderReport } from './compare.js';
export { toDot, toMermaid, dotString, mermaidLabel, type GraphExportOptions } from './export.js';
export { stronglyConnectedComponents, condensationOrder, buildCsr, type Csr } from './graph.js';
export { compareStrings } from './order.js';
export { formatSchedule } from './format.js';
export { functionUnits, traceOnUnits, stubTargetsOf, changedByUnit, isAnonymousId, isStableName, type FunctionUnits } from './units.js';
export { partsToRetry, partsByStep, type RejectedStep } from './parts.js';
